from feeds.status import FeedStatus, merge_snapshots


def test_connections_of_one_exchange_merge_into_one_status():
    first, second = FeedStatus("phemex", state="connected"), FeedStatus("phemex", state="backoff")
    first.messages, second.messages = 10, 5
    first.heartbeat_timeouts, second.heartbeat_timeouts = 1, 2
    first.connected_since_ms, first.last_message_ms, second.last_message_ms = 1000, 2000, 3000
    second.record_error("boom")
    merged = merge_snapshots([first.snapshot(), second.snapshot()])
    assert merged["state"] == "degraded"
    assert merged["messages"] == 15
    assert merged["heartbeat_timeouts"] == 3
    assert merged["connections"] == 2
    assert merged["last_message_ms"] == 3000
    assert merged["connected_since_ms"] == 1000
    assert merged["last_error"] == "boom"


def test_a_single_connection_is_reported_as_is():
    status = FeedStatus("binance", state="connected")
    assert merge_snapshots([status.snapshot()])["state"] == "connected"
