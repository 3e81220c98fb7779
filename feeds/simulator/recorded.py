"""The simulator and recordings, both ways.

- `RecordedMarket` plays a recording as the market every simulated exchange reads its books
  from, so each simulated exchange sends the recorded prices in its own wire format (all 11:
  they all render `Market.book`). Each exchange's book of a coin is its recorded quote of
  `<COIN>/USDT:USDT` (of `<COIN>/USDC:USDC` where it has none: Deribit); every listing of the
  coin on a simulated exchange (USDT, USDC, inverse) shows that same book. Until an exchange's
  first recorded quote of a coin, it shows the coin's first recorded price. Recorded funding
  (kind F) is played the same way: from its receive time on, each exchange's funding answers
  state its recorded rate and interval for every listing of the coin (of the coin's USDT linear
  perpetual, else its USDC one), the next funding time moved onto the wall clock as the
  recording's time is (`wall_ms`); before an exchange's first recorded funding of a coin, that
  first record. An exchange's coin with no funding in the period keeps the simulator's own.
  Down notices are not played.
- `market_quotes` / `write_synthetic_recording`: the simulated market written as a recording,
  for tests and `manage.py bench` (an hour of all 11 exchanges without waiting an hour).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from feeds.funding import Funding
from feeds.recording import Event, FundingBatch, RecordingWriter
from feeds.simulator.market import Book, Coin, FundingState, Market
from feeds.types import Quote

# Recorded time played per wall-clock second, unless told otherwise.
DEFAULT_SPEED = 1.0


def _linear_coin(record: Quote | Funding) -> tuple[str, str] | None:
    """(coin, quote currency) of a USDT or USDC linear perpetual, else None."""
    base, _, rest = record.instrument.partition("/")
    return (base, rest[:4]) if rest in ("USDT:USDT", "USDC:USDC") else None


def recorded_coins(events: Iterable[Event]) -> tuple[Coin, ...]:
    """The coins a recording quotes in USDT or USDC, each at its first price and with the finest price
    step seen in its first quotes (the simulated instrument lists need both)."""
    return recorded_start(events)[0]


def recorded_start(events: Iterable[Event]) -> tuple[tuple[Coin, ...], dict[tuple[str, str], Funding]]:
    """In one read: `recorded_coins`, and each (exchange, coin)'s first recorded funding of a linear
    perpetual (USDT's where the exchange has both), shown until the recording's own arrives."""
    coins: dict[str, Coin] = {}
    funding: dict[tuple[str, str], Funding] = {}
    for event in events:
        if isinstance(event, FundingBatch):
            for record in event.records:
                if (linear := _linear_coin(record)) is not None:
                    key = (record.exchange, linear[0])
                    if key not in funding or (linear[1] == "USDT" and _linear_coin(funding[key])[1] != "USDT"):
                        funding[key] = record
            continue
        if not isinstance(event, Quote) or (linear := _linear_coin(event)) is None or linear[0] in coins:
            continue
        name = linear[0]
        exponent = min(event.bid.as_tuple().exponent, event.ask.as_tuple().exponent, -1)
        size = float(event.bid_size + event.ask_size) / 2 or 1.0
        coins[name] = Coin(name, event.bid, Decimal(1).scaleb(exponent), size)
    return tuple(coins.values()), funding


class RecordedMarket(Market):
    """Each `step(now_ms)` plays the recording on to where `speed` × the time since the first
    step has brought it. `finished` once every event has been played."""

    def __init__(
        self,
        exchanges: list[str],
        coins: tuple[Coin, ...],
        events: Iterable[Event],
        speed: float,
        first_funding: dict[tuple[str, str], Funding] | None = None,
    ) -> None:
        self._events: Iterator[Event] | None = None  # the parent's first step plays nothing
        super().__init__(exchanges, coins, seed=0, volatility_bps=0.0, divergence_chance=0.0)
        self._events = iter(events)
        self._next: Event | None = next(self._events, None)
        self.speed = speed
        self._origin: tuple[int, int] | None = None  # (wall ms, recorded ms) at the first step
        self.played = 0
        self._usdt_seen: set[tuple[str, str]] = set()  # (exchange, coin) quoted in USDT
        # (exchange, coin) -> the funding its exchange states now: the latest played, or the first recorded.
        self.recorded_funding: dict[tuple[str, str], Funding] = dict(first_funding or {})
        self._usdt_funding: set[tuple[str, str]] = set()  # (exchange, coin) with USDT funding played

    @property
    def finished(self) -> bool:
        return self._next is None

    def step(self, now_ms: int) -> None:
        if self._events is None:
            super().step(now_ms)
            return
        if self._origin is None and self._next is not None:
            self._origin = (now_ms, self._time_ms(self._next))
        if self._origin is not None:
            until_ms = self._origin[1] + (now_ms - self._origin[0]) * self.speed
            while self._next is not None and self._time_ms(self._next) <= until_ms:
                self._play(self._next, now_ms)
                self._next = next(self._events, None)
        self.step_no += 1
        self._stepped.set()
        self._stepped = asyncio.Event()

    def wall_ms(self, recorded_ms: int, now_ms: int) -> int:
        """A recorded moment on the wall clock, as the recording is played (`now_ms`: before the
        first step, the recording starts now)."""
        if self._origin is not None:
            origin_wall_ms, origin_recorded_ms = self._origin
        elif self._next is not None:
            origin_wall_ms, origin_recorded_ms = now_ms, self._time_ms(self._next)
        else:
            return recorded_ms
        return origin_wall_ms + round((recorded_ms - origin_recorded_ms) / self.speed)

    def funding(
        self, exchange: str, coin: str, now_ms: int, *, symbol: str = "", interval_h: int | None = None
    ) -> FundingState:
        record = self.recorded_funding.get((exchange, coin))
        if record is None:
            return super().funding(exchange, coin, now_ms, symbol=symbol, interval_h=interval_h)
        return FundingState(record.rate, record.interval_h, self.wall_ms(record.next_funding_ms, now_ms))

    def _play_funding(self, batch: FundingBatch) -> None:
        for record in batch.records:
            if (linear := _linear_coin(record)) is None:
                continue
            key = (record.exchange, linear[0])
            if linear[1] == "USDT":
                self._usdt_funding.add(key)
            elif key in self._usdt_funding:
                continue  # the USDT perpetual's funding is the one stated, as its book is the one shown
            self.recorded_funding[key] = record

    def _play(self, event: Event, now_ms: int) -> None:
        if isinstance(event, FundingBatch):
            self._play_funding(event)
            return
        if not isinstance(event, Quote) or (linear := _linear_coin(event)) is None:
            return
        coin, currency = linear
        key = (event.exchange, coin)
        if currency == "USDT":
            self._usdt_seen.add(key)
        elif key in self._usdt_seen:
            return  # the USDT book is the one shown; USDC stands in only where there is none
        if key in self.books:
            # Stamped now: the simulators send books with their own clock, like a live exchange.
            self.books[event.exchange, coin] = Book(
                event.bid, event.ask, float(event.bid_size), float(event.ask_size), now_ms
            )
            self.played += 1

    @staticmethod
    def _time_ms(event: Event) -> int:
        return (event.recv_ns if isinstance(event, Quote) else event.at_ns) // 1_000_000


def market_quotes(market: Market, start_ms: int, seconds: float, step_ms: int = 100) -> Iterator[Quote]:
    """Each exchange's book of each coin it lists that moved, at each step of the simulated market
    (every book, without a generated universe), as the feed workers would have received them (USDT
    perpetuals), `step_ms` apart from `start_ms`."""
    exchanges = market.exchanges
    names = list(market.coins)
    symbols = {name: (f"{name}USDT", f"{name}/USDT:USDT") for name in names}
    for step in range(int(seconds * 1000 / step_ms)):
        at_ms = start_ms + step * step_ms
        market.step(now_ms=at_ms)
        moved = market.moved
        for e, exchange in enumerate(exchanges):
            listed = market.listed(exchange)
            for c, name in enumerate(names):
                if name not in moved or name not in listed:
                    continue
                book = market.book(exchange, name)
                bid_size, ask_size = Decimal(f"{book.bid_size:.3f}"), Decimal(f"{book.ask_size:.3f}")
                symbol, instrument = symbols[name]
                # Received a few ms after the exchange's time, each one its own µs.
                recv_ns = (at_ms + 3) * 1_000_000 + (e * len(names) + c) * 1_000
                yield Quote(
                    exchange,
                    symbol,
                    instrument,
                    book.bid,
                    bid_size,
                    book.ask,
                    ask_size,
                    bid_size,
                    ask_size,
                    at_ms,
                    recv_ns,
                )


def write_synthetic_recording(
    directory: Path,
    exchanges: list[str],
    start_ms: int,
    seconds: float,
    *,
    seed: int = 1,
    step_ms: int = 100,
    divergence_chance: float = 0.01,
) -> dict:
    """The simulated market over `seconds`, recorded as a feed worker records (one write a second)."""
    market = Market(exchanges, seed=seed, divergence_chance=divergence_chance)
    writer = RecordingWriter(directory, retention_days=10_000)
    batch: list[Quote] = []
    flush_at_ms = start_ms + 1000
    quotes = 0
    began = time.process_time()
    for quote in market_quotes(market, start_ms, seconds, step_ms):
        if quote.ts_ms >= flush_at_ms:
            writer.write(batch)
            batch, flush_at_ms = [], flush_at_ms + 1000
        batch.append(quote)
        quotes += 1
    writer.write(batch)
    return {"quotes": quotes, "bytes": writer.bytes_written, "cpu_s": time.process_time() - began}
