"""Simulated prices: one correlated random walk per coin, seen by each exchange with its own
offset and noise, and now and then a divergence large enough to trade.

Beyond the eight majors, `Market(..., universe=N)` lists N generated coins (feeds/simulator/
universe.py): each exchange lists its own share of them, and a generated coin's book moves only
on some steps, the more often the higher its rank. `Market.moved` names the coins whose books
changed at the last step; the simulated exchanges send only those."""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class Coin:
    name: str
    start_price: Decimal
    tick: Decimal
    typical_size: float  # base units at the top of a book

    @property
    def lot(self) -> Decimal:
        """A contract size for exchanges that list none of their own for this coin: the power of
        ten that makes a typical top-of-book size about a thousand contracts."""
        return Decimal(10) ** math.floor(math.log10(self.typical_size / 1000))


COINS = (
    Coin("BTC", Decimal("43250"), Decimal("0.1"), 2.0),
    Coin("ETH", Decimal("2300"), Decimal("0.01"), 30.0),
    Coin("SOL", Decimal("95"), Decimal("0.001"), 400.0),
    Coin("XRP", Decimal("0.6"), Decimal("0.0001"), 50_000.0),
    Coin("DOGE", Decimal("0.08"), Decimal("0.00001"), 400_000.0),
    Coin("BNB", Decimal("310"), Decimal("0.01"), 60.0),
    Coin("ADA", Decimal("0.5"), Decimal("0.0001"), 80_000.0),
    Coin("LINK", Decimal("14"), Decimal("0.001"), 2_000.0),
)


# Funding intervals other than the common 8 h, as venues move volatile coins to shorter ones;
# every simulated exchange that lists funding reads its interval from here, per instrument.
FUNDING_INTERVAL_H = {
    ("binance", "DOGE"): 4,
    ("bybit", "SOL"): 4,
    ("bybit", "DOGE"): 1,
    ("okx", "XRP"): 4,
    ("okx", "DOGE"): 1,
    ("gateio", "SOL"): 4,
    ("kucoin", "DOGE"): 4,
    ("bitmex", "XRP"): 4,
    ("mexc", "SOL"): 4,
    ("bitget", "XRP"): 4,
    ("phemex", "ETH"): 4,
    ("coindcx", "SOL"): 4,
}
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class FundingState:
    rate: Decimal  # per funding event, positive: longs pay shorts
    interval_h: int
    next_funding_ms: int


def funding_state(
    exchange: str, coin: str, now_ms: int, *, symbol: str = "", interval_h: int | None = None
) -> FundingState:
    """One exchange's funding of one coin (of one of its symbols, when it lists several) now: a
    steady level of its own, from a generator seeded by the names (so the market's own random
    sequence, and the prices, stay as reproducible as before), and a slow hourly swing."""
    level = random.Random(f"funding:{exchange}:{symbol or coin}").uniform(-0.0001, 0.0004)
    swing = 0.00005 * math.sin(2 * math.pi * now_ms / HOUR_MS)
    rate = Decimal(repr(level + swing)).quantize(Decimal("1e-8"))
    interval_h = interval_h or FUNDING_INTERVAL_H.get((exchange, coin), 8)
    interval_ms = interval_h * HOUR_MS
    return FundingState(rate, interval_h, (now_ms // interval_ms + 1) * interval_ms)


@dataclass(frozen=True)
class Book:
    bid: Decimal
    ask: Decimal
    bid_size: float  # base units
    ask_size: float
    ts_ms: int


@dataclass
class _Divergence:
    bps: float
    until_step: int


class Market:
    """Advanced by `step()`; each exchange reads its book of a coin with `book()`."""

    def __init__(
        self,
        exchanges: list[str],
        coins: tuple[Coin, ...] = COINS,
        seed: int | None = None,
        volatility_bps: float = 1.5,
        divergence_chance: float = 0.002,
        universe: int = 0,
    ) -> None:
        from feeds.simulator.universe import Universe  # it builds on Coin, defined here

        self.rng = random.Random(seed)
        self.majors = tuple(coin.name for coin in coins)
        # Generated coins draw from generators of their own, so the majors' prices are the same
        # sequence with or without a universe.
        self.universe = Universe(universe, seed)
        self.coins = {coin.name: coin for coin in (*coins, *self.universe.coins)}
        self.exchanges = list(exchanges)
        self.volatility = volatility_bps / 1e4
        self.divergence_chance = divergence_chance
        self.mid = {name: float(coin.start_price) for name, coin in self.coins.items()}
        # A steady per-exchange basis of a fraction of a basis point, like real venues.
        self.offset_bps = {exchange: self.rng.uniform(-1.0, 1.0) for exchange in self.exchanges}
        self.divergences: dict[tuple[str, str], _Divergence] = {}
        self.books: dict[tuple[str, str], Book] = {}
        self._listed = {exchange: self._listing(exchange) for exchange in self.exchanges}
        self.moved: frozenset[str] = frozenset(self.coins)
        self.step_no = 0
        self._stepped = asyncio.Event()
        self.step(now_ms=0)

    def inject_divergence(self, exchange: str, coin: str, bps: float, steps: int) -> None:
        """Move one exchange's price of one coin by `bps` for `steps` steps (tests, demos)."""
        self.divergences[exchange, coin] = _Divergence(bps, self.step_no + steps)

    def listed(self, exchange: str) -> dict[str, Coin]:
        """The coins `exchange` lists: every major, and its share of the generated universe."""
        return self._listed[exchange]

    def _listing(self, exchange: str) -> dict[str, Coin]:
        if not self.universe.coins:
            return self.coins
        listed = set(self.universe.listed(exchange))
        return {name: coin for name, coin in self.coins.items() if name in listed or name in self.majors}

    def step(self, now_ms: int) -> None:
        rng = self.rng
        self.step_no += 1
        common = rng.gauss(0, 1)
        for name in self.majors:
            shock = 0.6 * common + 0.8 * rng.gauss(0, 1)
            self.mid[name] *= math.exp(self.volatility * shock)
        if self.exchanges and self.majors and rng.random() < self.divergence_chance:
            exchange = rng.choice(self.exchanges)
            coin = rng.choice(self.majors)
            self.inject_divergence(exchange, coin, rng.choice((-1, 1)) * rng.uniform(15, 60), rng.randint(20, 100))
        moved = self._step_universe(common) if self.universe.coins else ()
        for key in [key for key, div in self.divergences.items() if div.until_step < self.step_no]:
            del self.divergences[key]
        for exchange in self.exchanges:
            for name in self.majors:
                self.books[exchange, name] = self._book(exchange, self.coins[name], now_ms, rng)
        urng = self.universe.rng
        for name in moved:
            coin = self.coins[name]
            for exchange in self.universe.listed_on(name, self.exchanges):
                self.books[exchange, name] = self._book(exchange, coin, now_ms, urng)
        if self.step_no == 1:  # every listed book exists from the start
            self.moved = frozenset(self.coins)
            for exchange in self.exchanges:
                for name, coin in self.listed(exchange).items():
                    if (exchange, name) not in self.books:
                        self.books[exchange, name] = self._book(exchange, coin, now_ms, urng)
        else:
            self.moved = frozenset((*self.majors, *moved))
        self._stepped.set()
        self._stepped = asyncio.Event()

    def _step_universe(self, common: float) -> list[str]:
        """The generated coins whose books move this step. Each moves with its own chance (and
        after `max_quiet_steps` without a move, at the latest); its
        price walks by the steps since it last moved, so that a quiet coin drifts as far as an
        active one over the same time. A coin that moves diverges on one of its exchanges now and
        then, twice as often a move as a major a step (thin books drift apart), and further."""
        urng, universe = self.universe.rng, self.universe
        moved = []
        for name, chance in universe.activity:
            steps = self.step_no - universe.last_moved.get(name, 1)
            if urng.random() >= chance and steps < universe.max_quiet_steps:
                continue
            universe.last_moved[name] = self.step_no
            shock = 0.6 * common + 0.8 * urng.gauss(0, 1)
            self.mid[name] *= math.exp(self.volatility * shock * math.sqrt(steps))
            moved.append(name)
            if urng.random() < self.divergence_chance * 2 and (venues := universe.listed_on(name, self.exchanges)):
                bps = urng.choice((-1, 1)) * urng.uniform(20, 80)
                self.inject_divergence(urng.choice(venues), name, bps, urng.randint(20, 100))
        return moved

    async def next_step(self) -> None:
        await self._stepped.wait()

    def book(self, exchange: str, coin: str) -> Book:
        return self.books[exchange, coin]

    def funding(
        self, exchange: str, coin: str, now_ms: int, *, symbol: str = "", interval_h: int | None = None
    ) -> FundingState:
        """What a simulated exchange states as its funding of `coin` (of `symbol`, where it lists
        several): the generated `funding_state` here; a played recording's own (RecordedMarket)."""
        return funding_state(exchange, coin, now_ms, symbol=symbol, interval_h=interval_h)

    def depth(
        self, exchange: str, coin: str, count: int
    ) -> tuple[list[tuple[Decimal, float]], list[tuple[Decimal, float]]]:
        """`count` levels a side (price, base units), best first, whose first is the top of book:
        each further level one tick further out than the gap before it, and larger, so that a
        walk down the book pays a slippage that grows with size, as on a real venue."""
        book, spec = self.books[exchange, coin], self.coins[coin]
        bids, asks = [(book.bid, book.bid_size)], [(book.ask, book.ask_size)]
        for n in range(1, count):
            size = spec.typical_size * (0.5 + 0.25 * n)
            asks.append((asks[-1][0] + spec.tick * n, size))
            bid = bids[-1][0] - spec.tick * n
            if bid > 0:  # a coin worth few ticks (a recording's) has fewer bids than asks
                bids.append((bid, size))
        return bids, asks

    def _book(self, exchange: str, coin: Coin, now_ms: int, rng: random.Random) -> Book:
        divergence = self.divergences.get((exchange, coin.name))
        bps = self.offset_bps[exchange] + rng.gauss(0, 0.3) + (divergence.bps if divergence else 0.0)
        mid = Decimal(repr(self.mid[coin.name] * (1 + bps / 1e4)))
        half_spread = coin.tick * rng.randint(1, 2)
        bid = ((mid - half_spread) / coin.tick).to_integral_value(ROUND_FLOOR) * coin.tick
        ask = ((mid + half_spread) / coin.tick).to_integral_value(ROUND_CEILING) * coin.tick
        return Book(
            bid=bid,
            ask=ask,
            bid_size=coin.typical_size * rng.uniform(0.05, 2.0),
            ask_size=coin.typical_size * rng.uniform(0.05, 2.0),
            ts_ms=now_ms,
        )
