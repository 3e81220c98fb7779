"""An exchange whose instrument families live on sockets of their own (Bybit's inverse, Gate's
BTC-settled) is watched over both: the worker opens each family's connections at the configured
URL with the family's path, chunked by the per-connection limit, polls each family's funding,
streams the books asked for on the family's own depth connection, and reports the connections
merged."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from feeds.depth import Depth
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
        books: asyncio.Queue[Depth] = asyncio.Queue()
        monkeypatch.setattr(worker.publisher, "add_depth", lambda records: [books.put_nowait(r) for r in records])
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(seen_all.wait(), 20)
            snapshot = worker.status_snapshot()
            urls = {eid: sorted(s.endpoints.ws_url for s in worker.sessions[eid]) for eid in ("bybit", "gateio")}
            depth_symbols = {
                eid: [sorted(s.instruments) for s in worker.depth_sessions[eid]] for eid in ("bybit", "gateio")
            }
            # The engine asks for the inverse legs' books: each exchange's inverse depth
            # connection streams them, its linear one stays closed.
            worker.on_depth_demand({"bybit": frozenset({"BTC/USD:BTC"}), "gateio": frozenset({"BTC/USD:BTC"})})
            streamed: dict[str, Depth] = {}
            async with asyncio.timeout(10):
                while len(streamed) < 2:
                    record = await books.get()
                    streamed[record.exchange] = record
            depth_states = {eid: [s.status.state for s in worker.depth_sessions[eid]] for eid in ("bybit", "gateio")}
            depth_snapshot = worker.status_snapshot()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        bybit_ws, gateio_ws = sim.endpoints["bybit"].ws_url, sim.endpoints["gateio"].ws_url
    assert urls["bybit"] == sorted([bybit_ws, bybit_ws, bybit_ws.replace("/linear", "/inverse")])
    assert urls["gateio"] == sorted([gateio_ws, gateio_ws, gateio_ws.replace("/usdt", "/btc")])
    for exchange_id in ("bybit", "gateio"):
        merged = snapshot[status_key(exchange_id)]
        assert (merged["connections"], merged["subscribed"], merged["frame_errors"]) == (3, 3, 0)
    assert depth_symbols == {
        "bybit": [["BTCUSDT", "ETHUSDT"], ["BTCUSD"]],
        "gateio": [["BTC_USDT", "ETH_USDT"], ["BTC_USD"]],
    }
    assert {eid: (r.symbol, r.instrument) for eid, r in streamed.items()} == {
        "bybit": ("BTCUSD", "BTC/USD:BTC"),
        "gateio": ("BTC_USD", "BTC/USD:BTC"),
    }
    for record in streamed.values():
        (best_bid, bid_base), (best_ask, _) = record.bids[0], record.asks[0]
        assert best_bid < best_ask and bid_base == (bid_base * best_bid).to_integral_value() / best_bid
    assert depth_states == {"bybit": ["idle", "connected"], "gateio": ["idle", "connected"]}
    # The idle linear depth connection does not make the exchange's depth look degraded.
    for exchange_id in ("bybit", "gateio"):
        depth = depth_snapshot[status_key(exchange_id)]["depth"]
        assert (depth["state"], depth["connections"], depth["subscribed"]) == ("connected", 1, 1)
    await sync_to_async(connections.close_all)()
