"""A load client's reading of /ws messages, without a network: what it counts and measures."""

from __future__ import annotations

import json

from loadtest.ws_clients import Client, ClientConfig, Tally

NOW_US = 1_700_000_000_000_000


def client(index: int = 0, sample_every: int = 1) -> tuple[Client, Tally]:
    config = ClientConfig(
        name="t", urls=["ws://127.0.0.1:1/ws"], first_index=0, count=1, auth="bearer", sample_every=sample_every
    )
    tally = Tally(measuring=True)
    return Client(index, config, tally), tally


def quote(ts_ms: int, recv_ms: int) -> dict:
    return {"exchange": "binance", "instrument": "BTC/USDT:USDT", "bid": "1", "ts_ms": ts_ms, "recv_ms": recv_ms}


def price_update(seq: int, *quotes: dict) -> bytes:
    # As the server splices it: type, then seq, first.
    return f'{{"type":"price_update","seq":{seq},"data":[{",".join(json.dumps(q) for q in quotes)}]}}'.encode()


def test_each_quote_is_measured_from_its_exchange_time_and_from_arbsite_receiving_it():
    ws, tally = client()
    now_ms = NOW_US // 1000
    assert ws.on_message(price_update(1, quote(now_ms - 40, now_ms - 30), quote(now_ms - 8, now_ms - 5)), NOW_US) == (
        b"price_update"
    )
    assert tally.latency_ms == {40: 1, 8: 1}
    assert tally.server_latency_ms == {30: 1, 5: 1}
    assert tally.messages[b"price_update"] == 1


def test_only_sampled_updates_are_decoded_and_connections_sample_different_ones():
    even, even_tally = client(index=0, sample_every=2)
    odd, odd_tally = client(index=1, sample_every=2)
    for seq in range(1, 5):
        raw = price_update(seq, quote(NOW_US // 1000 - 10, NOW_US // 1000 - 5))
        even.on_message(raw, NOW_US)
        odd.on_message(raw, NOW_US)
    assert even_tally.latency_ms.total() == odd_tally.latency_ms.total() == 2
    assert even.seq.counts.updates == odd.seq.counts.updates == 4


def test_a_message_in_another_key_order_is_still_understood():
    ws, tally = client()
    ws.on_message(b'{"seq":7,"type":"arbitrage_opportunities","data":[]}', NOW_US)
    ws.on_message(b'{"seq":9,"type":"opportunity_closed","data":[]}', NOW_US)
    assert ws.seq.last_seq == 9
    assert ws.seq.counts.lost == 1
    assert tally.messages[b"opportunity_closed"] == 1


def test_snapshots_with_or_without_seq_and_pages():
    ws, _ = client()
    assert ws.on_message(b'{"type":"snapshot","data":[],"opportunities":[]}', NOW_US) == b"snapshot"
    ws.on_message(price_update(3), NOW_US)
    ws.on_message(b'{"type":"snapshot","seq":8,"page":1,"pages":2,"data":[]}', NOW_US)
    ws.on_message(b'{"type":"snapshot","seq":8,"page":2,"pages":2,"data":[]}', NOW_US)
    ws.on_message(price_update(9), NOW_US)
    assert ws.seq.counts.resyncs == 1
    assert ws.seq.counts.resynced == 5
    assert ws.seq.counts.lost == 0


def test_garbage_is_counted_not_raised():
    ws, tally = client()
    assert ws.on_message(b"not json", NOW_US) == b""
    assert ws.on_message(b'{"type":"snapshot","seq":"x"}', NOW_US) == b"snapshot"
    assert ws.on_message(b'{"type":"price_update","seq":1,"data":[{"no_ts":1}]}', NOW_US) == b"price_update"
    assert tally.undecodable == 3


def test_nothing_is_counted_outside_the_window_but_seqs_are_followed():
    ws, tally = client()
    tally.measuring = False
    ws.on_message(price_update(1, quote(1, 1)), NOW_US)
    assert not tally.messages
    assert not tally.latency_ms
    assert ws.seq.last_seq == 1


def test_pages_log_in_with_the_cookie_from_their_origin_and_programs_with_the_token():
    config = ClientConfig(
        name="t", urls=["ws://127.0.0.1:8000/ws"], first_index=0, count=2, auth="mixed", token="T", cookie="sessionid=S"
    )
    program, page = Client(0, config, Tally()), Client(1, config, Tally())
    assert (program.subprotocols, program.headers) == (["bearer", "T"], {})
    assert (page.subprotocols, page.headers) == (None, {"Cookie": "sessionid=S", "Origin": "http://127.0.0.1:8000"})


def test_clients_subscribed_like_pages_name_the_subscription_in_the_url():
    config = ClientConfig(
        name="t",
        urls=["ws://127.0.0.1:8000/ws"],
        first_index=0,
        count=2,
        auth="mixed",
        query="instruments=BTC%2FUSDT%3AUSDT&opportunities=all",
    )
    page = Client(1, config, Tally())
    assert page.url == "ws://127.0.0.1:8000/ws?instruments=BTC%2FUSDT%3AUSDT&opportunities=all"
    assert page.headers["Origin"] == "http://127.0.0.1:8000"
    assert page.seq.narrowed
    assert not Client(
        0, ClientConfig(name="t", urls=["ws://h/ws"], first_index=0, count=1, auth="bearer"), Tally()
    ).seq.narrowed
