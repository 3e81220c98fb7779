"""A divergence injected on one simulated exchange opens exactly one opportunity per market
pair it creates, buying where the price stayed and selling where it rose; when the divergence
ends the opportunity closes, and its life is one history row. Once open, the engine asks the
feeds for both legs' depth, which reaches it meanwhile, and the opportunity walked through it pays."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from arbitrage.engine import Engine
from arbitrage.models import Opportunity
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from lib.clock import now_ms

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


async def test_an_injected_divergence_opens_and_closes_one_opportunity(settings):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["ETH/USDT:USDT"]
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=50)
    await engine.refresh_config()
    await engine.start()
    events: asyncio.Queue = asyncio.Queue()
    record = engine.on_changes

    def observe(changes, *args):
        record(changes, *args)
        for opened in changes.opened:
            events.put_nowait(("opened", opened))
        for closed in changes.closed:
            events.put_nowait(("closed", closed))

    engine.on_changes = observe
    async with Simulator(["binance", "bybit"], step_interval_s=0.05, seed=11) as simulator:
        simulator.market.divergence_chance = 0  # only the divergence this test injects
        worker = FeedWorker(["binance", "bybit"], simulator.endpoints, simulated=True)
        tasks = [asyncio.create_task(worker.run()), asyncio.create_task(engine.receive_forever())]
        try:
            async with asyncio.timeout(30):
                while len(engine.book.latest.get("ETH/USDT:USDT", {})) < 2:
                    await simulator.market.next_step()
                assert not engine.depth.latest  # nothing open or near: no book streamed
                simulator.market.inject_divergence("bybit", "ETH", bps=60, steps=60)
                kind, opened = await events.get()
                assert kind == "opened"
                await engine.demand_depth(now_ms())
                assert engine.depth_wanted == {"binance": ["ETH/USDT:USDT"], "bybit": ["ETH/USDT:USDT"]}
                while (fill := engine.depth.fill_for(opened, engine.tracker, now_ms())) is None or not fill.size_base:
                    await simulator.market.next_step()
                assert fill.profit_quote > 0
                kind, closed = await events.get()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    assert (opened.buy.exchange, opened.sell.exchange) == ("binance", "bybit")
    assert opened.group == "ETH/USD"
    assert opened.spread.net_spread_pct > 0
    assert kind == "closed" and closed.opportunity.id == opened.id
    assert closed.reason == "spread"
    await engine.write_history()
    row = await Opportunity.objects.aget()
    assert (row.buy_exchange, row.sell_exchange, row.close_reason) == ("binance", "bybit", "spread")
    assert row.duration_ms == closed.closed_ms - opened.opened_ms
    assert row.peak_net_spread_pct >= round(opened.spread.net_spread_pct, 8)
    await sync_to_async(connections.close_all)()
