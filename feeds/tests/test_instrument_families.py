"""An exchange whose instrument families live on sockets of their own (Bybit's inverse, Gate's
BTC-settled) is watched over both: the worker opens each family's connections at the configured
URL with the family's path, chunked by the per-connection limit, polls each family's funding, and
reports the connections merged."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from feeds.exchanges.bybit import Bybit
from feeds.exchanges.gateio import Gateio
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from feeds.status import status_key

WANTED = {
    ("bybit", "BTCUSDT"),
    ("bybit", "ETHUSDT"),
    ("bybit", "BTCUSD"),
    ("gateio", "BTC_USDT"),
    ("gateio", "ETH_USDT"),
    ("gateio", "BTC_USD"),
}


@pytest.mark.django_db(transaction=True)
async def test_the_worker_watches_both_families_over_their_own_sockets(settings, monkeypatch):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USD:BTC"]
    # One symbol a connection: each family is chunked on its own.
    monkeypatch.setattr(Bybit, "max_symbols_per_connection", 1)
    monkeypatch.setattr(Gateio, "max_symbols_per_connection", 1)
    async with Simulator(["bybit", "gateio"], step_interval_s=0.02, seed=3) as sim:
        worker = FeedWorker(["bybit", "gateio"], sim.endpoints, simulated=True)
        quoted: set[tuple[str, str]] = set()
        funded: set[tuple[str, str]] = set()
        seen_all = asyncio.Event()

        def observe(into: set, add):
            def record(items) -> None:
                add(items)
                into.update((item.exchange, item.symbol) for item in items)
                if quoted >= WANTED and funded >= WANTED:
                    seen_all.set()

            return record

        monkeypatch.setattr(worker.publisher, "add", observe(quoted, worker.publisher.add))
        monkeypatch.setattr(worker.publisher, "add_funding", observe(funded, worker.publisher.add_funding))
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(seen_all.wait(), 20)
            snapshot = worker.status_snapshot()
            urls = {eid: sorted(s.endpoints.ws_url for s in worker.sessions[eid]) for eid in ("bybit", "gateio")}
            depth_symbols = {eid: sorted(worker.depth_sessions[eid].instruments) for eid in ("bybit", "gateio")}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        bybit_ws, gateio_ws = sim.endpoints["bybit"].ws_url, sim.endpoints["gateio"].ws_url
    assert urls["bybit"] == sorted([bybit_ws, bybit_ws, bybit_ws.replace("/linear", "/inverse")])
    assert urls["gateio"] == sorted([gateio_ws, gateio_ws, gateio_ws.replace("/usdt", "/btc")])
    for exchange_id in ("bybit", "gateio"):
        merged = snapshot[status_key(exchange_id)]
        assert (merged["connections"], merged["subscribed"], merged["frame_errors"]) == (3, 3, 0)
    # Depth is streamed on the first family's socket only (the inverse books are not yet).
    assert depth_symbols == {"bybit": ["BTCUSDT", "ETHUSDT"], "gateio": ["BTC_USDT", "ETH_USDT"]}
    await sync_to_async(connections.close_all)()
