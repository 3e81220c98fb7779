"""Opportunities as they open, grow and close, tick by tick. Pure: no Django, no I/O.

A tick touches only its own market (coin and quote family): the pairs it forms with the other
exchanges' quotes of that market, O(exchanges). Quotes that are stale, crossed, one-sided or
from a disconnected connection take no part, and the opportunities they fed close. A quote is
stale by the read model's rule (arbitrage.read_model.stale_after_ms: its exchange time, never
later than its arrival, plus its exchange's max quote age), as the pages and the API show it.

The engine feeds it the quote book's quotes only (arbitrage.book): `markets` is an index of the
book's usable quotes by market, with the floats screening needs, not a store of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from arbitrage.read_model import quote_stale_after_ms
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, Spread, exact_spread, net_spread_pct_f, units_of
from feeds.types import Quote

PairKey = tuple[str, str, str, str]  # buy exchange, buy instrument, sell exchange, sell instrument


@dataclass(slots=True)
class _Entry:
    """One exchange's latest usable quote of one instrument, with the floats screening needs."""

    quote: Quote
    bid: float  # per coin
    ask: float
    fee: float  # taker fee as a fraction
    stale_after_ms: int  # fresh until then (arbitrage.read_model.stale_after_ms)


@dataclass
class OpenOpportunity:
    id: str
    group: str
    buy: Quote
    sell: Quote
    spread: Spread
    opened_ms: int
    updated_ms: int
    ticks: int = 1
    peak: Spread = field(init=False)
    first_net_spread_pct: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.peak = self.spread
        self.first_net_spread_pct = self.spread.net_spread_pct

    @property
    def key(self) -> PairKey:
        return (self.buy.exchange, self.buy.instrument, self.sell.exchange, self.sell.instrument)


@dataclass(frozen=True)
class Closed:
    opportunity: OpenOpportunity
    closed_ms: int  # the last tick that saw it: the one that saw it end, or its last sighting
    reason: str  # "spread" (gap gone), "stale", "invalid" (crossed/empty), "disconnected"


# Ends the tracker only infers, with no tick that saw them: the opportunity is closed at the
# last tick that saw it alive, so its duration holds no time in which nobody looked.
INFERRED_ENDS = frozenset({"stale", "disconnected"})


@dataclass(frozen=True)
class LeftOpen:
    """A life an earlier engine left open, as its last write saw it: resumed (same id, opened
    time, ticks and peak) when its pair opens again in time, else closed at `last_seen_ms`."""

    id: str
    key: PairKey
    opened_ms: int
    last_seen_ms: int
    ticks: int
    first_net_spread_pct: Decimal
    peak: Spread
    # Its best depth walk as written (size, profit), for the life writer to go on from.
    best_depth: tuple[Decimal, Decimal] | None = None

    def resume(self, opened: OpenOpportunity) -> None:
        opened.id = self.id
        opened.opened_ms = self.opened_ms
        opened.ticks += self.ticks
        opened.first_net_spread_pct = self.first_net_spread_pct
        if self.peak.net_spread_pct > opened.peak.net_spread_pct:
            opened.peak = self.peak


@dataclass
class Changes:
    """What one call changed: the tracker's output to history, fan-out and alerts."""

    opened: list[OpenOpportunity] = field(default_factory=list)
    updated: list[OpenOpportunity] = field(default_factory=list)
    closed: list[Closed] = field(default_factory=list)

    def extend(self, other: Changes) -> None:
        self.opened += other.opened
        self.updated += other.updated
        self.closed += other.closed

    def __bool__(self) -> bool:
        return bool(self.opened or self.updated or self.closed)


class OpportunityTracker:
    def __init__(
        self,
        fees_pct: dict[str, Decimal],
        max_age_ms: dict[str, int],
        *,
        default_fee_pct: Decimal = DEFAULT_TAKER_FEE_PCT,
        default_max_age_ms: int = 5000,
        min_net_spread_pct: float = 0.0,
        allow_cross_quote: bool = False,
    ) -> None:
        self.fees_pct = dict(fees_pct)
        self.max_age_ms = dict(max_age_ms)
        self.default_fee_pct = default_fee_pct
        self.default_max_age_ms = default_max_age_ms
        self.min_net_spread_pct = min_net_spread_pct
        self.allow_cross_quote = allow_cross_quote
        # group -> (exchange, instrument) -> entry
        self.markets: dict[str, dict[tuple[str, str], _Entry]] = {}
        self.open: dict[PairKey, OpenOpportunity] = {}
        # (exchange, instrument) -> keys of open opportunities it is a leg of
        self._legs: dict[tuple[str, str], set[PairKey]] = {}
        # Lives an earlier engine left open, waiting to be resumed (see `expect`).
        self.left_open: dict[PairKey, LeftOpen] = {}
        self._outlived: list[LeftOpen] = []  # left open beside a later life of the same pair
        self.resume_grace_ms = 0

    def fee_pct(self, exchange: str) -> Decimal:
        return self.fees_pct.get(exchange, self.default_fee_pct)

    # --- input -------------------------------------------------------------------------------
    def on_quote(self, quote: Quote, now_ms: int) -> Changes:
        units = units_of(quote.instrument)
        market = self.markets.setdefault(units.group, {})
        leg = (quote.exchange, quote.instrument)
        changes = Changes()
        if not (0 < quote.bid < quote.ask) or quote.bid_size <= 0 or quote.ask_size <= 0:
            market.pop(leg, None)
            changes.extend(self._close_legs(leg, now_ms, "invalid"))
            return changes
        stale_after = quote_stale_after_ms(quote, self.max_age_ms.get(quote.exchange, self.default_max_age_ms))
        if now_ms > stale_after:  # stale as it arrives: its exchange time is older than the max age
            market.pop(leg, None)
            changes.extend(self._close_legs(leg, now_ms, "stale"))
            return changes
        multiplier = float(units.multiplier)
        entry = _Entry(
            quote,
            float(quote.bid) / multiplier,
            float(quote.ask) / multiplier,
            float(self.fee_pct(quote.exchange)) / 100.0,
            stale_after,
        )
        market[leg] = entry
        for other_leg, other in list(market.items()):
            if other_leg[0] == quote.exchange:
                continue
            if now_ms > other.stale_after_ms:
                del market[other_leg]
                changes.extend(self._close_legs(other_leg, now_ms, "stale"))
                continue
            if not self.allow_cross_quote and units_of(other_leg[1]).quote != units.quote:
                continue
            self._screen(entry, other, units.group, now_ms, changes)
            self._screen(other, entry, units.group, now_ms, changes)
        return changes

    def expire(self, now_ms: int) -> Changes:
        """Drop quotes past their exchange's max age; close what they fed. Call periodically."""
        changes = Changes()
        for market in self.markets.values():
            for leg, entry in list(market.items()):
                if now_ms > entry.stale_after_ms:
                    del market[leg]
                    changes.extend(self._close_legs(leg, now_ms, "stale"))
        return changes

    def disconnect(self, exchange: str, instruments: list[str], now_ms: int) -> Changes:
        """A connection went down: its quotes stop counting at once, not when they age out."""
        changes = Changes()
        for instrument in instruments:
            leg = (exchange, instrument)
            self.markets.get(units_of(instrument).group, {}).pop(leg, None)
            changes.extend(self._close_legs(leg, now_ms, "disconnected"))
        return changes

    def expect(self, lives: list[LeftOpen], grace_ms: int) -> None:
        """Resume each life if its pair opens again within `grace_ms` of its last sighting."""
        self.resume_grace_ms = grace_ms
        # One pair, one life to resume: the latest seen. An older one was over before it.
        for life in sorted(lives, key=lambda life: life.last_seen_ms):
            if (earlier := self.left_open.get(life.key)) is not None:
                self._outlived.append(earlier)
            self.left_open[life.key] = life

    def unresumed(self, now_ms: int) -> list[LeftOpen]:
        """The lives left open whose grace has passed by `now_ms`: they are no longer expected."""
        gone = [life for life in self.left_open.values() if now_ms - life.last_seen_ms > self.resume_grace_ms]
        for life in gone:
            del self.left_open[life.key]
        gone += self._outlived
        self._outlived = []
        return gone

    def best_net_spread_pct(self, group: str, now_ms: int) -> float | None:
        """The best net spread across the market's fresh quotes, buying on one exchange and
        selling on another; negative when no pair pays for its fees. None under two exchanges."""
        best_buy: list[tuple[float, str, float]] = []  # (ask × (1 + fee), exchange, ask), cheapest first
        best_sell: list[tuple[float, str]] = []  # (bid × (1 − fee), exchange), dearest first
        for (exchange, _), entry in self.markets.get(group, {}).items():
            if now_ms > entry.stale_after_ms:
                continue
            best_buy.append((entry.ask * (1 + entry.fee), exchange, entry.ask))
            best_sell.append((entry.bid * (1 - entry.fee), exchange))
        if len({exchange for _, exchange, _ in best_buy}) < 2:
            return None
        best_buy.sort()
        best_sell.sort(reverse=True)
        cost, buy_exchange, ask = best_buy[0]
        proceeds, sell_exchange = best_sell[0]
        if buy_exchange != sell_exchange:
            return (proceeds - cost) / ask * 100.0  # as exact_spread: relative to the price paid
        # The cheapest buy and the dearest sell are on one exchange (which may quote several of
        # the market's instruments): the best pair keeps one of them and takes the best of the
        # other side elsewhere.
        other_proceeds = next(value for value, exchange in best_sell if exchange != buy_exchange)
        other_cost, other_ask = next((value, price) for value, exchange, price in best_buy if exchange != sell_exchange)
        return max((other_proceeds - cost) / ask * 100.0, (proceeds - other_cost) / other_ask * 100.0)

    def pair_net_spreads_pct(self, group: str, now_ms: int) -> dict[tuple[str, str], float]:
        """Each (buy exchange, sell exchange) pair's net spread across the market's fresh quotes,
        the best of its instruments where an exchange quotes several: what best_net_spread_pct
        takes the best of, pair by pair."""
        fresh = [
            (exchange, entry)
            for (exchange, _), entry in self.markets.get(group, {}).items()
            if now_ms <= entry.stale_after_ms
        ]
        pairs: dict[tuple[str, str], float] = {}
        for buy_exchange, buy in fresh:
            for sell_exchange, sell in fresh:
                if buy_exchange != sell_exchange:
                    value = net_spread_pct_f(buy.ask, buy.fee, sell.bid, sell.fee)
                    key = (buy_exchange, sell_exchange)
                    pairs[key] = max(value, pairs.get(key, value))
        return pairs

    # --- internals ---------------------------------------------------------------------------
    def _screen(self, buy: _Entry, sell: _Entry, group: str, now_ms: int, changes: Changes) -> None:
        key = (buy.quote.exchange, buy.quote.instrument, sell.quote.exchange, sell.quote.instrument)
        net = net_spread_pct_f(buy.ask, buy.fee, sell.bid, sell.fee)
        current = self.open.get(key)
        if net <= self.min_net_spread_pct:
            if current is not None:
                changes.closed.append(self._close(key, now_ms, "spread"))
            return
        spread = exact_spread(buy.quote, sell.quote, self.fee_pct(key[0]), self.fee_pct(key[2]))
        if current is None:
            opened = OpenOpportunity(uuid.uuid4().hex, group, buy.quote, sell.quote, spread, now_ms, now_ms)
            earlier = self.left_open.get(key)
            if earlier is not None and now_ms - earlier.last_seen_ms <= self.resume_grace_ms:
                del self.left_open[key]
                earlier.resume(opened)
            self.open[key] = opened
            self._legs.setdefault(key[:2], set()).add(key)
            self._legs.setdefault(key[2:], set()).add(key)
            changes.opened.append(opened)
            return
        current.buy, current.sell, current.spread = buy.quote, sell.quote, spread
        current.updated_ms = now_ms
        current.ticks += 1
        if spread.net_spread_pct > current.peak.net_spread_pct:
            current.peak = spread
        changes.updated.append(current)

    def _close_legs(self, leg: tuple[str, str], now_ms: int, reason: str) -> Changes:
        changes = Changes()
        for key in list(self._legs.get(leg, ())):
            changes.closed.append(self._close(key, now_ms, reason))
        return changes

    def _close(self, key: PairKey, now_ms: int, reason: str) -> Closed:
        opportunity = self.open.pop(key)
        for leg in (key[:2], key[2:]):
            keys = self._legs.get(leg)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._legs[leg]
        return Closed(opportunity, opportunity.updated_ms if reason in INFERRED_ENDS else now_ms, reason)
