"""A feed worker running CoinDCX: its quote connections are also its depth (they follow the
engine's demand, no connection more), and its funding is polled with each pair's interval."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from feeds.depth import Depth
from feeds.exchanges.coindcx import CoinDCX
from feeds.funding import Funding
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from feeds.status import status_key

PAIRS = {"B-BTC_USDT", "B-ETH_USDT", "B-SOL_USDT"}


@pytest.mark.django_db(transaction=True)
async def test_the_worker_streams_coindcx_depth_and_funding_over_its_quote_connections(settings, monkeypatch):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    monkeypatch.setattr(CoinDCX, "max_symbols_per_connection", 2)  # two quote connections
    async with Simulator(["coindcx"], step_interval_s=0.02, seed=3) as sim:
        worker = FeedWorker(["coindcx"], sim.endpoints, simulated=True)
        quoted: set[str] = set()
        all_quoted = asyncio.Event()
        funded: asyncio.Queue[list[Funding]] = asyncio.Queue()
        books: asyncio.Queue[Depth] = asyncio.Queue()
        add = worker.publisher.add

        def observe(quotes) -> None:
            add(quotes)
            quoted.update(q.symbol for q in quotes)
            if quoted >= PAIRS:
                all_quoted.set()

        monkeypatch.setattr(worker.publisher, "add", observe)
        monkeypatch.setattr(worker.publisher, "add_funding", funded.put_nowait)
        monkeypatch.setattr(worker.publisher, "add_depth", lambda records: [books.put_nowait(r) for r in records])
        task = asyncio.create_task(worker.run())
        try:
            records = await asyncio.wait_for(funded.get(), 20)
            await asyncio.wait_for(all_quoted.wait(), 10)
            assert books.empty()  # nothing asked for yet
            connections_before = sim.exchanges["coindcx"].connections_total
            worker.on_depth_demand({"coindcx": frozenset({"ETH/USDT:USDT", "SOL/USDT:USDT"}), "okx": frozenset()})
            streamed: set[str] = set()
            async with asyncio.timeout(10):
                while streamed != {"ETH/USDT:USDT", "SOL/USDT:USDT"}:
                    record = await books.get()
                    assert record.instrument != "BTC/USDT:USDT"
                    streamed.add(record.instrument)
            wanted = sorted(sorted(s.depth_wanted) for s in worker.sessions["coindcx"])
            snapshot = worker.status_snapshot()[status_key("coindcx")]
            connections_after = sim.exchanges["coindcx"].connections_total
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert {r.symbol: r.interval_h for r in records} == {"B-BTC_USDT": 8, "B-ETH_USDT": 8, "B-SOL_USDT": 4}
    assert all(r.exchange == "coindcx" and r.next_funding_ms % (r.interval_h * 3_600_000) == 0 for r in records)
    assert wanted == [["B-ETH_USDT"], ["B-SOL_USDT"]]  # each connection its own pair
    assert "coindcx" not in worker.depth_sessions and "depth" not in snapshot
    assert connections_after == connections_before == 2  # the demand opened nothing
    assert (snapshot["connections"], snapshot["subscribed"], snapshot["frame_errors"]) == (2, 3, 0)
    await sync_to_async(connections.close_all)()
