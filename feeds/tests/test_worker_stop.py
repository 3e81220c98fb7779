"""A feed worker that is stopped ends everything it started before its run() returns: each
exchange's sessions (their sockets closed) and its funding poller (its HTTP session closed),
even in the middle of a poll. Left behind, they kept connections open that a simulator's
shutdown then waited out, a minute per exchange."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from feeds.runner import FeedWorker
from feeds.simulator.phemex import PhemexSim
from feeds.simulator.server import Simulator


def _worker_tasks() -> list[asyncio.Task]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith("feed-") and not task.done()]


@pytest.mark.django_db(transaction=True)
async def test_a_stopped_worker_leaves_no_session_or_funding_poll_running(settings, monkeypatch):
    settings.DEFAULT_WATCHED_INSTRUMENTS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    polling = asyncio.Event()

    async def slow_ticker(self, request):  # the poll is in flight when the worker is stopped
        polling.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(PhemexSim, "ticker", slow_ticker)
    async with Simulator(["phemex"], step_interval_s=0.02, seed=5) as sim:
        worker = FeedWorker(["phemex"], sim.endpoints, simulated=True)
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(20):
                await sim.exchanges["phemex"].wait_for_connections(1, timeout_s=10)
                await polling.wait()
        finally:
            started_s = time.monotonic()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            stopped_s = time.monotonic() - started_s
        assert _worker_tasks() == []
        assert stopped_s < 3
        assert len(sim.exchanges["phemex"].connections) == 0
    await sync_to_async(connections.close_all)()


async def test_a_simulator_stops_within_a_second_of_a_request_still_open(monkeypatch):
    answering = asyncio.Event()

    async def stuck_ticker(self, request):
        answering.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(PhemexSim, "ticker", stuck_ticker)
    sim = Simulator(["phemex"], step_interval_s=0.02, seed=5)
    endpoints = await sim.start()
    async with aiohttp.ClientSession() as http:
        request = asyncio.create_task(http.get(endpoints["phemex"].rest_url + "/md/v2/ticker/24hr?symbol=BTCUSDT"))
        await asyncio.wait_for(answering.wait(), 5)
        started_s = time.monotonic()
        await sim.stop()
        assert time.monotonic() - started_s < 3  # aiohttp's default would wait a minute
        await asyncio.gather(request, return_exceptions=True)
