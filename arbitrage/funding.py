"""Funding maths: what holding the two legs of an opportunity pays or earns in funding.

Pure: no Django, no I/O, exact Decimal. The position is long on the buy exchange and short on
the sell exchange, the same coin amount on both. A funding rate is paid on each leg's notional
at each of its funding events, positive when longs pay shorts; both notionals are taken as equal
(the legs hold the same coins at prices within the spread of each other), so funding adds to the
net spread in the same unit: percent of the position.

Over a holding period of H hours from now, a leg is paid at each of its funding events
t_k = next_funding + k × interval (k ≥ 0) with now < t_k ≤ now + H: counted, not pro-rated,
because an exchange pays only those holding the position at the funding time. An event at
exactly now is being paid as the position opens and does not count; one at exactly now + H does.
When a record's next funding time has passed and no newer record has come yet, the schedule is
rolled forward by whole intervals. The current rate is assumed for every event in the period.

Per day and per year are the steady state, independent of where in its interval each leg is:
rate × 24 / interval_h events a day on each leg, the short's minus the long's, × 365 a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import permutations
from typing import TYPE_CHECKING

from arbitrage.spreads import exact_spread, units_of
from feeds.funding import HOUR_MS, Funding
from feeds.types import Quote

if TYPE_CHECKING:  # arbitrage.messages imports this module
    from arbitrage.messages import OpportunityMessage

HUNDRED = Decimal(100)
DAYS_PER_YEAR = 365
DEFAULT_HOLDING_H = 8
MAX_HOLDING_H = 720  # 30 days: further out, today's rate says little


def next_event_ms(funding: Funding, now_ms: int) -> int:
    """The leg's first funding event after now (the stated one, rolled forward if it has passed)."""
    interval_ms = funding.interval_h * HOUR_MS
    if funding.next_funding_ms > now_ms:
        return funding.next_funding_ms
    missed = (now_ms - funding.next_funding_ms) // interval_ms + 1
    return funding.next_funding_ms + missed * interval_ms


def events_within(funding: Funding, now_ms: int, hours: int) -> int:
    """How many of the leg's funding events fall in (now, now + hours]."""
    first = next_event_ms(funding, now_ms)
    end = now_ms + hours * HOUR_MS
    if first > end:
        return 0
    return (end - first) // (funding.interval_h * HOUR_MS) + 1


def daily_rate_pct(funding: Funding) -> Decimal:
    """What a short earns in a day at the current rate (a long pays it), percent of notional."""
    return funding.rate * 24 * HUNDRED / funding.interval_h


@dataclass(frozen=True, slots=True)
class FundingLeg:
    exchange: str
    instrument: str
    rate: Decimal
    interval_h: int
    next_funding_ms: int  # the next event after now
    countdown_ms: int  # until then
    events: int  # in the holding period
    funding_pct: Decimal  # what this leg earns over the holding period (negative: pays)

    @property
    def rate_pct(self) -> Decimal:
        """The rate per funding event in percent, as exchanges show it."""
        return self.rate * HUNDRED


@dataclass(frozen=True, slots=True)
class FundingEdge:
    """Long `long.exchange`, short `short.exchange`, held `hours` from now."""

    hours: int
    long: FundingLeg
    short: FundingLeg
    funding_pct: Decimal  # both legs over the holding period
    daily_pct: Decimal  # funding differential per day, steady state
    annual_pct: Decimal
    net_spread_pct: Decimal | None  # the entry: buy at the long's ask, sell at the short's bid, after fees
    edge_pct: Decimal | None  # net spread + funding over the holding period


def _leg(funding: Funding, now_ms: int, hours: int, sign: int) -> FundingLeg:
    events = events_within(funding, now_ms, hours)
    next_ms = next_event_ms(funding, now_ms)
    return FundingLeg(
        exchange=funding.exchange,
        instrument=funding.instrument,
        rate=funding.rate,
        interval_h=funding.interval_h,
        next_funding_ms=next_ms,
        countdown_ms=next_ms - now_ms,
        events=events,
        funding_pct=sign * funding.rate * events * HUNDRED,
    )


def funding_edge(
    long: Funding,
    short: Funding,
    now_ms: int,
    hours: int = DEFAULT_HOLDING_H,
    net_spread_pct: Decimal | None = None,
) -> FundingEdge:
    """The funding leg of holding long on one exchange and short on another for `hours`."""
    long_leg = _leg(long, now_ms, hours, -1)
    short_leg = _leg(short, now_ms, hours, 1)
    funding_pct = long_leg.funding_pct + short_leg.funding_pct
    daily_pct = daily_rate_pct(short) - daily_rate_pct(long)
    return FundingEdge(
        hours=hours,
        long=long_leg,
        short=short_leg,
        funding_pct=funding_pct,
        daily_pct=daily_pct,
        annual_pct=daily_pct * DAYS_PER_YEAR,
        net_spread_pct=net_spread_pct,
        edge_pct=None if net_spread_pct is None else net_spread_pct + funding_pct,
    )


@dataclass(frozen=True, slots=True)
class FundingPair:
    market: str  # coin and quote family, e.g. "BTC/USD"
    edge: FundingEdge
    basis_risk: bool  # the legs are quoted in different currencies


@dataclass(frozen=True, slots=True)
class EarningLegs:
    """A long and a short leg in one market whose funding differential per day is positive:
    a FundingPair before it is priced (its entry read from the quotes)."""

    market: str
    long: Funding
    short: Funding
    daily_pct: Decimal


def earning_legs(funding: Mapping[str, Mapping[str, Funding]]) -> list[EarningLegs]:
    """Every way of going long on one exchange and short on another in one market that earns
    funding, best per day first (`funding`: instrument -> exchange -> record). Cheap: only the
    rates; pricing (`priced`) is the part that costs, so a caller ranking by funding prices only
    the pairs it shows."""
    by_market: dict[str, list[tuple[Funding, Decimal]]] = {}
    for row in funding.values():
        for record in row.values():
            by_market.setdefault(units_of(record.instrument).group, []).append((record, daily_rate_pct(record)))
    found = []
    for market, records in by_market.items():
        for (long, long_daily), (short, short_daily) in permutations(records, 2):
            if long.exchange != short.exchange and short_daily > long_daily:
                found.append(EarningLegs(market, long, short, short_daily - long_daily))
    found.sort(key=lambda legs: (-legs.daily_pct, legs.market, legs.long.exchange, legs.short.exchange))
    return found


def priced(
    legs: EarningLegs,
    quotes: Mapping[tuple[str, str], Quote],
    fees_pct: Mapping[str, Decimal],
    now_ms: int,
    hours: int = DEFAULT_HOLDING_H,
) -> FundingPair:
    """The pair's funding over `hours` and its entry: the net spread of buying the long leg at
    its ask and selling the short leg at its bid (`quotes`: (instrument, exchange) -> Quote)."""
    long, short = legs.long, legs.short
    buy, sell = quotes.get((long.instrument, long.exchange)), quotes.get((short.instrument, short.exchange))
    net = None
    if buy is not None and sell is not None and buy.ask > 0:
        zero = Decimal(0)
        net = exact_spread(
            buy, sell, fees_pct.get(long.exchange, zero), fees_pct.get(short.exchange, zero)
        ).net_spread_pct
    basis_risk = units_of(long.instrument).quote != units_of(short.instrument).quote
    return FundingPair(legs.market, funding_edge(long, short, now_ms, hours, net), basis_risk)


def funding_pairs(
    funding: Mapping[str, Mapping[str, Funding]],
    quotes: Mapping[tuple[str, str], Quote],
    fees_pct: Mapping[str, Decimal],
    now_ms: int,
    hours: int = DEFAULT_HOLDING_H,
) -> list[FundingPair]:
    """Every pair that earns funding (`earning_legs`), priced, best per day first."""
    return [priced(legs, quotes, fees_pct, now_ms, hours) for legs in earning_legs(funding)]


@dataclass(frozen=True, slots=True)
class FundingFilter:
    """What a trader narrows the funding ranking to; every field left empty keeps all pairs."""

    exchanges: frozenset[str] = frozenset()  # either leg on one of these
    query: str = ""  # a coin or instrument, as the Prices search takes it (arbitrage.instrument_search)
    min_daily_pct: Decimal | None = None
    positive_edge: bool = False  # only pairs whose entry plus funding over the holding period pays
    sort: str = "daily"  # "daily" (funding per day) or "edge" (net spread + funding over the holding period)

    @property
    def needs_entries(self) -> bool:
        """Whether narrowing or ranking reads each pair's entry (its quotes), not funding alone."""
        return self.positive_edge or self.sort == "edge"

    def keeps_legs(self, legs: EarningLegs) -> bool:
        """What it asks of the rates alone: the exchanges and the minimum per day."""
        return self._by_rates(legs.long.exchange, legs.short.exchange, legs.daily_pct)

    def keeps(self, pair: FundingPair) -> bool:
        edge = pair.edge
        return self._by_rates(edge.long.exchange, edge.short.exchange, edge.daily_pct) and (
            not self.positive_edge or (edge.edge_pct is not None and edge.edge_pct > 0)
        )

    def _by_rates(self, long_exchange: str, short_exchange: str, daily_pct: Decimal) -> bool:
        return (not self.exchanges or long_exchange in self.exchanges or short_exchange in self.exchanges) and (
            self.min_daily_pct is None or daily_pct >= self.min_daily_pct
        )


FUNDING_SORTS = ("daily", "edge")


def narrowed(pairs: list[FundingPair], chosen: FundingFilter) -> list[FundingPair]:
    """The pairs `chosen` keeps, best first by its sort (funding_pairs leaves them by per day);
    by edge, pairs whose entry is not quoted come last."""
    kept = [pair for pair in pairs if chosen.keeps(pair)]
    if chosen.sort == "edge":
        kept.sort(key=lambda pair: (pair.edge.edge_pct is None, -(pair.edge.edge_pct or 0)))
    return kept


def pair_edge(
    funding: Mapping[str, Mapping[str, Funding]],
    buy: tuple[str, str],
    sell: tuple[str, str],
    net_spread_pct: Decimal,
    now_ms: int,
    hours: int = DEFAULT_HOLDING_H,
) -> FundingEdge | None:
    """The funding leg of buying `buy` and selling `sell` ((exchange, instrument) each) at a net
    spread of `net_spread_pct`: long where it buys, short where it sells; None unless both legs
    have a funding record in `funding` (instrument -> exchange -> record)."""
    long = funding.get(buy[1], {}).get(buy[0])
    short = funding.get(sell[1], {}).get(sell[0])
    if long is None or short is None:
        return None
    return funding_edge(long, short, now_ms, hours, net_spread_pct)


def opportunity_edge(
    opportunity: OpportunityMessage,
    funding: Mapping[str, Mapping[str, Funding]],
    now_ms: int,
    hours: int = DEFAULT_HOLDING_H,
) -> FundingEdge | None:
    """The funding leg of an open opportunity as the cache holds it (its net spread as the entry)."""
    buy = (opportunity.buy_exchange, opportunity.buy_instrument)
    sell = (opportunity.sell_exchange, opportunity.sell_instrument)
    return pair_edge(funding, buy, sell, opportunity.net_spread_pct, now_ms, hours)
