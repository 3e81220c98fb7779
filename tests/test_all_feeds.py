"""All eleven exchanges at once through the feed worker, into the channel layer and the engine,
for a minute of simulated market time (600 steps of 100 ms, run ten times faster)."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache

from arbitrage.engine import Engine
from feeds.exchanges import EXCHANGE_IDS
from feeds.runner import FeedWorker
from feeds.simulator.server import Simulator
from feeds.status import SIMULATED_KEY, status_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIMULATED_STEPS = 600
STOP_TIMEOUT_S = 15


async def test_every_exchange_streams_into_the_engine_for_a_simulated_minute(settings):
    settings.FEED_FLUSH_INTERVAL_MS = 20
    unhandled: list[dict] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=100)
    await engine.start()
    async with Simulator(list(EXCHANGE_IDS), step_interval_s=0.01, seed=3) as simulator:
        worker = FeedWorker(EXCHANGE_IDS, simulator.endpoints, simulated=True)
        tasks = [
            asyncio.create_task(worker.run()),
            asyncio.create_task(engine.receive_forever()),
            asyncio.create_task(engine.fan_out_forever()),
        ]
        try:
            async with asyncio.timeout(60):
                while simulator.market.step_no < SIMULATED_STEPS:
                    await simulator.market.next_step()
            statuses = await cache.aget_many([status_key(eid) for eid in EXCHANGE_IDS])
            simulated = await cache.aget(SIMULATED_KEY)
        finally:
            for task in tasks:
                task.cancel()
            # Stopping is prompt (a worker waits for its sessions and pollers, at most 5 s): a
            # stop that hangs fails here in seconds instead of holding the suite for minutes.
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await asyncio.gather(*tasks, return_exceptions=True)
        crashed = [task for task in tasks if task.done() and not task.cancelled() and task.exception()]

    assert crashed == []
    assert unhandled == []
    streamed = {q.exchange for row in engine.book.latest.values() for q in row.values()}
    assert streamed == set(EXCHANGE_IDS)
    for exchange_id in EXCHANGE_IDS:
        for session in worker.sessions[exchange_id]:
            assert session.status.quotes > 0, exchange_id
            assert "internal error" not in session.status.last_error, (exchange_id, session.status.last_error)
        assert statuses[status_key(exchange_id)]["state"] == "connected"
    assert simulated is True
