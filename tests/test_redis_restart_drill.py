"""The Redis restart drill, small: the scaled-out system (its own Redis, a scratch database on a
PostgreSQL cluster of this test's own) under /ws load loses Redis and gets an empty one back.

Before the fix, connections died with 1011 at their next presence refresh, the web tier kept
their subscriptions (a leak), snapshots and `/api/prices` stayed empty until the engine was
restarted, and a resync whose snapshot read met a dead pooled connection was dropped, leaving
clients with missed updates they never learnt of."""

from __future__ import annotations

import pytest

from feeds.exchanges import EXCHANGE_IDS
from loadtest.drill import RedisRestartDrill
from loadtest.runner import SystemSpec, WsRun, measure

pytestmark = pytest.mark.e2e

EXCHANGES = ["binance", "bybit"]


async def test_a_redis_restart_under_load_closes_nothing_loses_nothing_and_recovers_in_seconds(
    postgres_server, tmp_path
):
    assert set(EXCHANGES) <= set(EXCHANGE_IDS)
    drill = RedisRestartDrill(warm_s=3, outage_s=3, after_s=8, probes=4)
    spec = SystemSpec("scaleout", EXCHANGES, database_url=postgres_server.url)

    summary = await measure(spec, WsRun(clients=20, duration_s=drill.duration_s), tmp_path, during=drill)

    happened = summary["drill"]
    assert happened["probes_closed"] == []
    assert summary["connections"]["connected"] == 20
    assert summary["connections"]["disconnected"] == {}  # none closed by the outage (no 1011)
    assert all(seconds is not None and seconds < 5 for seconds in happened["ws_recovery_s"])
    assert happened["api_recovery_s"] is not None and happened["api_recovery_s"] < 5
    updates = summary["updates"]
    assert updates["lost"] == 0  # every missed update was made good by a snapshot
    assert updates["resyncs"] >= 20
