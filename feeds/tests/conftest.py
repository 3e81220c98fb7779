from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from feeds.exchanges import get_connector
from feeds.exchanges.base import Endpoints
from feeds.rest import fetch_instruments
from feeds.runner import session_class_for
from feeds.session import ExchangeSession
from feeds.simulator.server import Simulator
from feeds.types import Quote


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

    async def first_of(self, *symbols: str, after_ns: int = 0, timeout_s: float = 5.0) -> list[Quote]:
        """The first quote received after `after_ns` for each of `symbols`, in their order."""
        seen: dict[str, Quote] = {}
        async with asyncio.timeout(timeout_s):
            while not set(symbols) <= set(seen):
                quote = await self.queue.get()
                if quote.recv_ns > after_ns:
                    seen.setdefault(quote.symbol, quote)
        return [seen[symbol] for symbol in symbols]


@pytest.fixture
async def simulator():
    async with Simulator(["binance"], step_interval_s=0.02, seed=7) as sim:
        yield sim


@pytest.fixture
async def start_session():
    """Start the runner's session class for an exchange on its simulator; cancelled at teardown.

    Request it after the simulator's fixture: the sessions are then cancelled and awaited while
    the simulator still runs, instead of waiting out a 2 s close handshake with a stopped server.
    """
    tasks = []

    async def start(
        sim: Simulator,
        exchange_id: str | None = None,
        *,
        watched: Iterable[str] | None = None,
        heartbeat_interval_s: float | None = None,
        want_depth: bool = True,
        **options,
    ) -> tuple[ExchangeSession, Collector]:
        """`watched`: the symbols to subscribe, all of one family where the exchange has several
        (default: every BTC and ETH instrument listed of its first family);
        `heartbeat_interval_s` replaces the connector's, for tests that scale time down;
        a depth session (`on_depth`) wants every book at once unless `want_depth` is False."""
        if exchange_id is None:
            [exchange_id] = sim.exchange_ids
        endpoints = sim.endpoints[exchange_id]
        connector = get_connector(exchange_id)
        listed = await fetch_instruments(exchange_id, endpoints.rest_url)
        if watched is None:
            instruments = {i.symbol: i for i in listed if i.base in ("BTC", "ETH")}
            instruments = connector.by_family(instruments)[0][1]  # the first family's
        else:
            watched = set(watched)
            instruments = {i.symbol: i for i in listed if i.symbol in watched}
            assert set(instruments) == watched, f"{exchange_id} lists no {watched - set(instruments)}"
        groups = connector.by_family(instruments)
        assert len(groups) <= 1, f"{exchange_id}: a session's symbols are of one family"
        family = groups[0][0] if groups else None  # none watched: the exchange's first socket
        endpoints = Endpoints(connector.family_ws_url(endpoints.ws_url, family), endpoints.rest_url)
        collector = Collector()
        defaults = {"stall_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}
        session_class = session_class_for(connector.transport)
        session = session_class(exchange_id, instruments, collector, endpoints=endpoints, **{**defaults, **options})
        if heartbeat_interval_s is not None:
            session.heartbeat_interval_s = heartbeat_interval_s  # read when each connection opens
        if options.get("on_depth") is not None and want_depth:
            session.want_depth(instruments)  # as the engine would ask for them all
        tasks.append(asyncio.create_task(session.run()))
        return session, collector

    yield start
    for task in tasks:
        task.cancel()
    # Wait for the sessions to close their sockets, so the simulator shuts down at once.
    await asyncio.gather(*tasks, return_exceptions=True)
