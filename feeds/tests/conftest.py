from __future__ import annotations

import asyncio

import pytest

from feeds.rest import fetch_instruments
from feeds.session import ExchangeSession
from feeds.simulator.server import Simulator


class Collector:
    """Quotes a session delivers, awaitable with a timeout."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.count = 0

    def __call__(self, quotes) -> None:
        self.count += len(quotes)
        for quote in quotes:
            self.queue.put_nowait(quote)

    async def next(self, timeout_s: float = 5.0):
        return await asyncio.wait_for(self.queue.get(), timeout_s)

    async def next_after(self, recv_ns: int, timeout_s: float = 5.0):
        """The first quote received after `recv_ns`."""
        async with asyncio.timeout(timeout_s):
            while True:
                quote = await self.queue.get()
                if quote.recv_ns > recv_ns:
                    return quote


@pytest.fixture
async def simulator():
    async with Simulator(["binance"], step_interval_s=0.02, seed=7) as sim:
        yield sim


@pytest.fixture
async def start_session():
    """Start an ExchangeSession on a simulated exchange; cancelled at teardown."""
    tasks = []

    async def start(sim: Simulator, exchange_id: str = "binance", **options) -> tuple[ExchangeSession, Collector]:
        endpoints = sim.endpoints[exchange_id]
        listed = await fetch_instruments(exchange_id, endpoints.rest_url)
        instruments = {i.symbol: i for i in listed if i.base in ("BTC", "ETH")}
        collector = Collector()
        defaults = {"stall_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}
        session = ExchangeSession(exchange_id, instruments, collector, endpoints=endpoints, **{**defaults, **options})
        tasks.append(asyncio.create_task(session.run()))
        return session, collector

    yield start
    for task in tasks:
        task.cancel()
    # Wait for the sessions to close their sockets, so the simulator shuts down at once.
    await asyncio.gather(*tasks, return_exceptions=True)
