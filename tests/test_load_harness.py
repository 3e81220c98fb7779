"""The load harness (loadtest/) at toy scale against `run_all --simulate`: it starts the
system, ramps up logged-in /ws clients and an open-loop REST generator in processes of their
own, and reports figures that make sense; everything it started is gone afterwards."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from loadtest.cpu import process_cpu_s
from loadtest.runner import RestRun, WsRun, measure_rest, measure_ws
from loadtest.system import single_process

pytestmark = pytest.mark.e2e

EXCHANGES = ["binance", "bybit"]


async def test_the_harness_measures_ws_clients_and_rest_calls_on_a_running_system(tmp_path):
    ws_run = WsRun(clients=5, duration_s=3, warmup_s=1)
    rest_run = RestRun(rate_per_s=50, duration_s=3, warmup_s=1)
    async with asyncio.timeout(180):
        async with single_process(EXCHANGES, token_lifetime_s=600) as target:
            server_pid = target.processes[0].pid
            ws = await measure_ws(target, ws_run, tmp_path)
            rest = await measure_rest(target, rest_run, tmp_path)
    assert process_cpu_s(server_pid) is None  # stopped

    connections = ws["connections"]
    assert (connections["connected"], connections["failed"], connections["disconnected"]) == (5, {}, {})
    latency = ws["latency_ms"]
    assert latency["count"] > 0
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"] < 5_000
    assert ws["updates"]["lost"] == 0
    assert ws["updates"]["newest_seq_per_s"] > 0
    assert ws["updates"]["per_connection_per_s"]["min"] > 0
    assert ws["messages"]["by_type"]["price_update"] > 0
    assert ws["messages"]["undecodable"] == 0
    cpu = {row["name"]: row for row in ws["cpu"]["processes"]}
    assert cpu["run_all"]["cpu_pct"] > 0
    assert cpu["ws-clients-1"]["role"] == "client"
    assert cpu["ws-clients-1"]["cpu_pct"] is not None
    assert ws["server_log"]["errors"] == 0

    requests = rest["requests"]
    assert requests["errors"] == {}
    assert requests["statuses"] == {"200": requests["scheduled"]}
    assert math.isclose(requests["offered_per_s"], 50, rel_tol=0.1)
    assert rest["latency_ms"]["count"] == requests["scheduled"]
    assert rest["latency_ms"]["p50"] > 0
    assert requests["answered_200_per_s"] > 0
    assert {row["name"] for row in rest["cpu"]["processes"]} == {"run_all", "rest-clients-1", "harness"}
    json.dumps([ws, rest])  # written as JSON by the command
