from __future__ import annotations

from loadtest.server_log import summarize

DAPHNE = [
    "2026-12-03 23:24:01,120 INFO daphne.server: Listening on TCP address 127.0.0.1:41234",
    "2026-12-03 23:24:05,001 ERROR daphne.server: Exception inside application: Too many connections",
    "Traceback (most recent call last):",
    '  File "/app/arbitrage/presence.py", line 70, in put',
    "    await client.hset(...)",
    "redis.exceptions.ConnectionError: Too many connections",
    "2026-12-03 23:24:05,002 ERROR daphne.server: Exception inside application: Too many connections",
    "Traceback (most recent call last):",
    '  File "/app/arbitrage/presence.py", line 70, in put',
    "redis.exceptions.ConnectionError: Too many connections",
    "2026-12-03 23:24:06,000 WARNING daphne.ws_protocol: dropping connection to peer tcp4:127.0.0.1:5123",
]
ENGINE = [
    "2026-12-03 23:24:07,000 WARNING arbitrage.engine: fan-out failed, next one carries the latest: timeout",
    "Traceback (most recent call last):",
    '  File "x.py", line 1, in <module>',
    "KeyError: 'seq'",
    "",
    "During handling of the above exception, another exception occurred:",
    "",
    "Traceback (most recent call last):",
    '  File "x.py", line 3, in <module>',
    "ValueError: bad seq 12",
]


def test_errors_are_grouped_by_the_exception_a_traceback_ends_in():
    summary = summarize({"daphne-1": DAPHNE, "run_arbitrage": ENGINE})
    assert summary["kinds"] == {
        "daphne-1: redis.exceptions.ConnectionError: Too many connections": 2,
        "run_arbitrage: ValueError: bad seq N": 1,
    }
    assert summary["errors"] == 3
    assert summary["warnings"] == 2
    assert summary["warning_kinds"]["daphne-1: daphne.ws_protocol: dropping connection to peer tcpN:N.N.N.N:N"] == 1


def test_a_quiet_log_has_nothing_to_report():
    assert summarize({"run_all": ["INFO all good"]}) == {"errors": 0, "warnings": 0, "kinds": {}, "warning_kinds": {}}


def test_an_error_line_without_traceback_counts_as_itself():
    summary = summarize({"run_feeds": ["12:00 ERROR feeds.session: binance: handshake failed after 3 s"]})
    assert summary["kinds"] == {"run_feeds: feeds.session: binance: handshake failed after N s": 1}
