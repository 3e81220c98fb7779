"""The deadlines of one connection, on made-up seconds; the sessions keep them on real sockets
(test_fault_drills.py)."""

from __future__ import annotations

import pytest

from feeds.deadlines import NO_HEARTBEAT, STALLED, ConnectionDeadlines


def client_pings(**options) -> ConnectionDeadlines:
    """Opened at 100 s; pings every 5 s, pongs due within 2 s, data within 30 s."""
    return ConnectionDeadlines(
        100.0, **{"stall_timeout_s": 30.0, "heartbeat_interval_s": 5.0, "heartbeat_timeout_s": 2.0, **options}
    )


def server_pings(**options) -> ConnectionDeadlines:
    """Opened at 100 s; the exchange's heartbeat due at least every 10 s, data within 30 s."""
    return ConnectionDeadlines(100.0, **{"stall_timeout_s": 30.0, "heartbeat_timeout_s": 10.0, **options})


def test_pings_fall_due_every_interval_from_the_opening():
    deadlines = client_pings()
    assert [now for now in (104.9, 105.0, 105.1, 109.9, 110.0) if deadlines.ping_due(now)] == [105.0, 110.0]


def test_a_pong_within_the_timeout_keeps_the_connection():
    deadlines = client_pings()
    assert deadlines.ping_due(105.0)
    deadlines.heartbeat_arrived(106.9)
    assert deadlines.missed(109.9) is None  # long after: no ping is waiting for its pong


def test_no_pong_within_the_timeout_of_a_ping_is_missed():
    deadlines = client_pings()
    assert deadlines.ping_due(105.0)
    assert deadlines.missed(107.0) is None
    missed = deadlines.missed(107.1)
    assert (missed.kind, missed.reason) == (NO_HEARTBEAT, "no pong within 2 s of a ping")


def test_the_deadline_runs_from_the_oldest_unanswered_ping():
    """Pongs name no ping: later pings must not push back the deadline of an earlier one."""
    deadlines = client_pings(heartbeat_interval_s=1.0, heartbeat_timeout_s=2.5)
    for now in (101.0, 102.0, 103.0):
        assert deadlines.ping_due(now)
    assert deadlines.missed(103.5) is None
    assert deadlines.missed(103.6).kind == NO_HEARTBEAT
    deadlines.heartbeat_arrived(103.6)  # answers every ping before it
    assert deadlines.missed(103.6) is None
    assert deadlines.ping_due(104.0)
    assert deadlines.missed(106.5) is None
    assert deadlines.missed(106.6).kind == NO_HEARTBEAT


def test_the_server_heartbeat_is_due_one_timeout_after_the_opening_and_after_each_heartbeat():
    deadlines = server_pings()
    assert not deadlines.ping_due(1000.0)  # the client never pings
    assert deadlines.missed(110.0) is None
    assert deadlines.missed(110.1).reason == "no heartbeat from the exchange for 10 s"
    deadlines.heartbeat_arrived(110.0)
    assert deadlines.missed(120.0) is None
    assert deadlines.missed(120.1).kind == NO_HEARTBEAT


def test_without_a_heartbeat_deadline_only_data_counts():
    deadlines = server_pings(heartbeat_timeout_s=None)
    assert deadlines.missed(129.0) is None
    assert deadlines.missed(130.1).kind == STALLED


def test_data_keeps_the_stall_watchdog_away_but_not_a_missing_pong():
    deadlines = client_pings()
    assert deadlines.ping_due(105.0)
    deadlines.data_arrived(107.5)
    assert deadlines.missed(107.5).kind == NO_HEARTBEAT


def test_a_stall_is_reported_before_a_late_heartbeat():
    deadlines = server_pings(stall_timeout_s=5.0)
    missed = deadlines.missed(111.0)
    assert (missed.kind, missed.reason) == (STALLED, "stalled: no data for 5 s")


def test_lifetime_runs_out_only_when_set():
    assert not server_pings().lifetime_over(10_000.0)
    deadlines = server_pings(lifetime_s=60.0)
    assert not deadlines.lifetime_over(160.0)
    assert deadlines.lifetime_over(160.1)


@pytest.mark.parametrize(
    ("options", "tick_s"),
    [
        ({"stall_timeout_s": 30.0}, 1.0),
        ({"stall_timeout_s": 0.4}, 0.1),
        ({"stall_timeout_s": 30.0, "heartbeat_interval_s": 0.05}, 0.05),
        ({"stall_timeout_s": 30.0, "heartbeat_timeout_s": 0.2}, 0.05),
    ],
)
def test_a_deadline_is_looked_at_a_quarter_of_its_length_at_most_after_it_passes(options, tick_s):
    assert ConnectionDeadlines(0.0, **options).tick_s == pytest.approx(tick_s)
