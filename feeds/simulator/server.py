"""Runs simulated exchanges on local ports and steps the market that feeds them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from feeds.exchanges.base import Endpoints
from feeds.recording import read_period
from feeds.simulator.base import SimExchange
from feeds.simulator.binance import BinanceSim
from feeds.simulator.bitget import BitgetSim
from feeds.simulator.bitmex import BitmexSim
from feeds.simulator.bybit import BybitSim
from feeds.simulator.coindcx import CoinDCXSim
from feeds.simulator.deribit import DeribitSim
from feeds.simulator.gateio import GateioSim
from feeds.simulator.kucoin import KuCoinSim
from feeds.simulator.market import Market
from feeds.simulator.mexc import MexcSim
from feeds.simulator.okx import OKXSim
from feeds.simulator.phemex import PhemexSim
from feeds.simulator.recorded import RecordedMarket, recorded_start
from lib import clock

logger = logging.getLogger(__name__)

# Generated coins listed beyond the majors in demos (`--universe`): 1,986 books over 11
# exchanges, from 11 on Deribit to 287 on Gate.io, as the real lists run. Stepping them costs
# the simulator 1.6 ms a step (1.6 % of a core at 10 steps/s) and nothing is sent for what
# nobody watches; watched whole (ARBSITE_INSTRUMENTS=*), they are 3,500 quotes/s (README,
# "Measuring").
DEMO_UNIVERSE = 300

# One line per exchange, in the product's order.
_ALL = [
    BinanceSim,
    BybitSim,
    OKXSim,
    KuCoinSim,
    DeribitSim,
    BitmexSim,
    GateioSim,
    MexcSim,
    BitgetSim,
    PhemexSim,
    CoinDCXSim,
]
SIMULATORS: dict[str, type[SimExchange]] = {sim.id: sim for sim in _ALL}
SIMULATED_EXCHANGE_IDS = tuple(SIMULATORS)


@dataclass(frozen=True)
class Playback:
    """Play what was recorded from `from_ms` to `to_ms` (README, "Record and replay")."""

    directory: Path
    from_ms: int
    to_ms: int
    speed: float = 1.0

    def market(self, exchange_ids: list[str]) -> RecordedMarket:
        def events():
            return read_period(self.directory, self.from_ms * 1_000_000, self.to_ms * 1_000_000, exchange_ids)

        # Two reads: the coins and first funding first (the instrument lists need them before anything plays).
        coins, first_funding = recorded_start(events())
        return RecordedMarket(exchange_ids, coins, events(), self.speed, first_funding)


@dataclass
class Simulator:
    exchange_ids: list[str]
    host: str = "127.0.0.1"
    base_port: int = 0  # 0: any free port per exchange; else base_port, base_port + 1, ...
    step_interval_s: float = 0.1
    seed: int | None = None
    server_ping_interval_s: float | None = None  # None: each exchange's own default
    playback: Playback | None = None  # a recording instead of the random market
    universe: int = 0  # generated coins listed beyond the majors (feeds/simulator/universe.py)
    # How long stop() waits for a request or socket still open (aiohttp's default is a minute per
    # exchange, which a client left connected turned into minutes); then it is cut.
    shutdown_timeout_s: float = 1.0
    market: Market = field(init=False)
    exchanges: dict[str, SimExchange] = field(init=False, default_factory=dict)
    endpoints: dict[str, Endpoints] = field(init=False, default_factory=dict)
    _runners: list[web.AppRunner] = field(init=False, default_factory=list)
    _stepper: asyncio.Task | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        unknown = set(self.exchange_ids) - set(SIMULATORS)
        if unknown:
            raise ValueError(f"no simulator for {', '.join(sorted(unknown))}")
        self.market = (
            self.playback.market(self.exchange_ids)
            if self.playback
            else Market(self.exchange_ids, seed=self.seed, universe=self.universe)
        )

    async def start(self) -> dict[str, Endpoints]:
        for index, exchange_id in enumerate(self.exchange_ids):
            sim = SIMULATORS[exchange_id](self.market, **self._sim_options(exchange_id))
            runner = web.AppRunner(sim.app(), access_log=None, shutdown_timeout=self.shutdown_timeout_s)
            await runner.setup()
            port = self.base_port + index if self.base_port else 0
            site = web.TCPSite(runner, self.host, port)
            await site.start()
            bound_port = site._server.sockets[0].getsockname()[1]
            self._runners.append(runner)
            self.exchanges[exchange_id] = sim
            self.endpoints[exchange_id] = Endpoints(
                ws_url=f"ws://{self.host}:{bound_port}{sim.ws_path}", rest_url=f"http://{self.host}:{bound_port}"
            )
        self._stepper = asyncio.create_task(self._step_forever(), name="simulator-market")
        return self.endpoints

    def _sim_options(self, exchange_id: str) -> dict:
        if self.server_ping_interval_s is None:
            return {}
        return {"server_ping_interval_s": self.server_ping_interval_s}

    async def _step_forever(self) -> None:
        while True:
            await asyncio.sleep(self.step_interval_s)
            self.market.step(now_ms=clock.now_ms())

    async def stop(self) -> None:
        if self._stepper:
            self._stepper.cancel()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
