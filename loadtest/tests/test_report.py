from __future__ import annotations

from pathlib import Path

import pytest

from loadtest.report import json_path, summarize_rest, summarize_ws
from loadtest.stats import Histogram


def histogram(*values: int) -> dict:
    h = Histogram()
    for value in values:
        h.record(value)
    return h.to_json()


def ws_result(updates: list[int], seqs: tuple[int, int], lost: int, latencies: tuple[int, ...]) -> dict:
    return {
        "window_s": 10.0,
        "connections": {
            "requested": 3,
            "connected": len(updates),
            "failed": {"timeout": 3 - len(updates)},
            "disconnected": {},
            "compressed": 0,
        },
        "connect_us": histogram(1000),
        "latency_us": histogram(*latencies),
        "server_latency_us": histogram(*latencies),
        "loop_lag_us": histogram(100),
        "messages": {"price_update": sum(updates), "snapshot": 1},
        "bytes": 1_000_000,
        "undecodable": 0,
        "seq": {"updates": sum(updates), "lost": lost, "resynced": 0, "resyncs": 0, "seq_resets": 0},
        "updates_per_connection": updates,
        "seq_at_start": seqs[0],
        "seq_at_stop": seqs[1],
    }


def test_processes_add_up_into_one_ws_summary():
    summary = summarize_ws(
        [ws_result([100, 90], (10, 110), 10, (20_000, 30_000)), ws_result([50], (12, 111), 5, (500_000,))], 10.0
    )
    assert summary["connections"]["connected"] == 3
    assert summary["connections"]["failed"] == {"timeout": 3}
    assert summary["updates"]["newest_seq_per_s"] == 9.9
    assert summary["updates"]["per_connection_per_s"] == {"mean": 8.0, "min": 5.0, "max": 10.0}
    assert summary["updates"]["lost"] == 15
    assert summary["latency_ms"]["count"] == 3
    assert summary["latency_ms"]["max"] == 500.0
    assert summary["messages"]["received"] == 242
    assert summary["messages"]["per_s"] == 24.2


def test_rest_summary_counts_statuses_errors_and_the_answered_rate():
    result = {
        "window_s": 10.0,
        "scheduled": 1000,
        "answered_in_window": 900,
        "statuses": {"200": 900, "429": 50},
        "errors": {"timeout": 50},
        "latency_us": histogram(*([5_000] * 99), 900_000),
        "send_lag_us": histogram(100),
        "bytes": 5_000_000,
    }
    summary = summarize_rest([result, result], 10.0)
    assert summary["requests"]["offered_per_s"] == 200.0
    assert summary["requests"]["answered_200_per_s"] == 180.0
    assert summary["requests"]["statuses"] == {"200": 1800, "429": 100}
    assert summary["requests"]["errors"] == {"timeout": 100}
    assert summary["latency_ms"]["p50"] == pytest.approx(5.0, rel=0.008)


def test_json_files_are_named_for_what_they_measured():
    common = {"started_at_s": 0, "target": {"mode": "single"}}
    ws = {**common, "kind": "ws", "config": {"clients": 1000}}
    rest = {**common, "kind": "rest", "config": {"path": "/api/prices", "rate_per_s": 500.0}}
    assert json_path(Path("/b"), ws).name.endswith("-ws-single-1000.json")
    assert json_path(Path("/b"), rest).name.endswith("-rest-single-api-prices-500.json")


def test_clients_subscribed_like_pages_report_skipped_updates_not_losses():
    from loadtest.report import _lost, _subscription

    updates = {"lost": 0, "skipped": 1234}
    assert _lost({"updates": updates, "config": {"subscribe": "majors"}}).startswith("lost n/a (1,234 updates")
    assert _lost({"updates": updates, "config": {"subscribe": "none"}}) == "lost 0"
    assert _subscription({"subscribe": "majors"}) == " subscribed like pages (majors)"
    assert _subscription({}) == ""
