"""The one reading of the cached quotes: each quote's age and whether it is stale against its
exchange's max quote age, each instrument's best bid and best ask, the gross spread between
them and the best net spread of two exchanges after both taker fees.

Open opportunities are read typed too (arbitrage.messages.OpportunityMessage, decoded by
arbitrage.quote_cache) and ranked here (`rank`) for the pages and the API alike, their size and
profit read as `executable`: the depth walk's where both books are known, else the top of book's.

The Prices and Instrument pages (arbitrage/pages.py) and the API (`/api/best-prices`,
`/api/spread`, through arbitrage/queries.py) take their numbers from here; the browser
(static/js/matrix.js) follows the same rules from what the page gives it: each exchange's max
quote age and taker fee in its column header, each quote's `ts_ms` and `recv_ms`.

A quote's age is now − its exchange time (`ts_ms`): the age of the price itself, network delay
included; see `age_from_ms` for a clock that disagrees with ours. The engine judges freshness
by the same functions (`stale_after_ms`), so a quote the pages show stale is in no
opportunity, and one in an opportunity is not shown stale. Spreads are percentages to 6
decimals (`SPREAD_PCT_STEP`), as the API has always written them; pages round them again for
display. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, HUNDRED, net_after_fees
from feeds.types import Quote

if TYPE_CHECKING:  # at run time the engine's tracker imports this module, and messages imports the tracker
    from arbitrage.messages import OpportunityMessage, QuoteMessage

SPREAD_PCT_STEP = Decimal("0.000001")
_ZERO = Decimal(0)


def age_from_ms(ts_ms: int, recv_ms: int) -> int:
    """When a quote's age starts: its exchange time, but never later than when it arrived.

    An exchange clock ahead of ours (or a `ts_ms` in the future) would otherwise keep a quote
    young after it arrived, for as long as the clocks disagree: it ages from its arrival
    instead. An exchange clock behind ours ages its quotes by the difference: from here skew
    and delay look alike, and the price is treated as as old as its exchange says it is.
    """
    return ts_ms if ts_ms < recv_ms else recv_ms


def quote_age_ms(ts_ms: int, recv_ms: int, now_ms: int) -> int:
    """How old a quote is at `now_ms` (0 when `now_ms` is before its age starts)."""
    return max(0, now_ms - age_from_ms(ts_ms, recv_ms))


def stale_after_ms(ts_ms: int, recv_ms: int, max_age_ms: int) -> int:
    """The last moment a quote is fresh: at `now_ms` past this it is stale (age > max age)."""
    return age_from_ms(ts_ms, recv_ms) + max_age_ms


def quote_stale_after_ms(quote: Quote, max_age_ms: int) -> int:
    """`stale_after_ms` of one of the engine's quotes (its receive time in ns)."""
    return stale_after_ms(quote.ts_ms, quote.recv_ns // 1_000_000, max_age_ms)


@dataclass(frozen=True)
class MaxQuoteAges:
    """Each exchange's max quote age (admin → Exchanges), and the one for exchanges without a row."""

    by_exchange_ms: Mapping[str, int]
    default_ms: int

    def of(self, exchange: str) -> int:
        return self.by_exchange_ms.get(exchange, self.default_ms)


@dataclass(frozen=True, slots=True)
class QuoteReading:
    """A cached quote as read at `now_ms`."""

    quote: QuoteMessage
    age_ms: int
    max_age_ms: int

    @property
    def exchange(self) -> str:
        return self.quote.exchange

    @property
    def stale(self) -> bool:
        # The same as now_ms > stale_after_ms(...), the engine's test, for any max age >= 0.
        return self.age_ms > self.max_age_ms


def read_quote(quote: QuoteMessage, max_age_ms: int, now_ms: int) -> QuoteReading:
    return QuoteReading(quote, quote_age_ms(quote.ts_ms, quote.recv_ms, now_ms), max_age_ms)


@dataclass(frozen=True)
class NetSpread:
    """Buying at one exchange's ask and selling at another's bid, after both taker fees."""

    buy_exchange: str
    sell_exchange: str
    net_spread_pct: Decimal


def gross_spread_pct(bid: Decimal, ask: Decimal) -> Decimal | None:
    """Selling at `bid` against buying at `ask`, before fees, in percent of the ask."""
    if ask <= 0:
        return None
    return ((bid - ask) / ask * HUNDRED).quantize(SPREAD_PCT_STEP)


def best_net_spread(readings: Iterable[QuoteReading], fees_pct: Mapping[str, Decimal]) -> NetSpread | None:
    """The best ordered pair of two exchanges among `readings` (one instrument's), by the
    engine's formula (arbitrage.spreads.net_after_fees); None under two exchanges."""
    candidates = list(readings)
    best = None  # (exact net %, buy, sell): compared exact, rounded once
    for buy in candidates:
        ask = buy.quote.ask
        if ask <= 0:
            continue
        buy_fee = fees_pct.get(buy.exchange, DEFAULT_TAKER_FEE_PCT)
        for sell in candidates:
            if sell.exchange == buy.exchange:
                continue
            sell_fee = fees_pct.get(sell.exchange, DEFAULT_TAKER_FEE_PCT)
            net_pct, _ = net_after_fees(ask, sell.quote.bid, _ZERO, buy_fee, sell_fee)
            if best is None or net_pct > best[0]:
                best = (net_pct, buy, sell)
    if best is None:
        return None
    net_pct, buy, sell = best
    return NetSpread(buy.exchange, sell.exchange, net_pct.quantize(SPREAD_PCT_STEP))


@dataclass(frozen=True)
class PriceRow:
    """One instrument across exchanges, as read at one moment."""

    instrument: str
    readings: dict[str, QuoteReading]  # by exchange, sorted
    # The highest bid and the lowest ask among fresh quotes; among all of them when none is
    # fresh, so the API can still say where the last prices were (and that they are stale).
    best_bid: QuoteReading | None
    best_ask: QuoteReading | None
    fresh_exchanges: int
    net: NetSpread | None  # the best pair of two fresh quotes after both taker fees

    @property
    def spread(self) -> Decimal | None:
        """Best bid − best ask, in price."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_bid.quote.bid - self.best_ask.quote.ask

    @property
    def gross_spread_pct(self) -> Decimal | None:
        """Best bid vs best ask, before fees, whichever exchanges they are on."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return gross_spread_pct(self.best_bid.quote.bid, self.best_ask.quote.ask)

    @property
    def cross_spread_pct(self) -> Decimal | None:
        """The gross spread across exchanges: only with two fresh quotes or more (one exchange's
        bid against its own ask is its book's width, not a spread between exchanges)."""
        return self.gross_spread_pct if self.fresh_exchanges > 1 else None


def price_row(
    instrument: str,
    quotes: Mapping[str, QuoteMessage],
    max_ages: MaxQuoteAges,
    fees_pct: Mapping[str, Decimal],
    now_ms: int,
) -> PriceRow:
    """`quotes` (exchange -> latest quote of `instrument`) read at `now_ms`."""
    readings = {
        exchange: read_quote(quote, max_ages.of(exchange), now_ms) for exchange, quote in sorted(quotes.items())
    }
    fresh = [reading for reading in readings.values() if not reading.stale]
    candidates = fresh or list(readings.values())
    # Ties go to the first exchange in name order, as everywhere the row is shown.
    best_bid = max(candidates, key=lambda r: r.quote.bid, default=None)
    best_ask = min(candidates, key=lambda r: r.quote.ask, default=None)
    return PriceRow(instrument, readings, best_bid, best_ask, len(fresh), best_net_spread(fresh, fees_pct))


@dataclass(frozen=True, slots=True)
class Executable:
    """What a trader can act on of an open opportunity: the size and net profit of walking both
    legs' books where both are known (its `depth`), else of its two best levels (the top of
    book), which every page labels so."""

    size_base: Decimal
    profit_quote: Decimal
    from_depth: bool


def executable(opportunity: OpportunityMessage) -> Executable:
    depth = opportunity.depth
    if depth is not None:
        return Executable(depth.size_base, depth.profit_quote, True)
    return Executable(opportunity.size_base, opportunity.profit_quote, False)


def rank(
    opportunities: Iterable[OpportunityMessage],
    *,
    min_spread_pct: Decimal | None = None,
    min_size_base: Decimal | None = None,
    min_profit_quote: Decimal | None = None,
    instruments: set[str] | None = None,
    exchanges: set[str] | None = None,
    limit: int | None = None,
) -> list[OpportunityMessage]:
    """Open opportunities (as the cache holds them, typed) filtered, best net spread first; a
    minimum size or profit is on what is executable (`executable`: the depth walk's where known)."""
    chosen = [
        item
        for item in opportunities
        if (min_spread_pct is None or item.net_spread_pct >= min_spread_pct)
        and (min_size_base is None or executable(item).size_base >= min_size_base)
        and (min_profit_quote is None or executable(item).profit_quote >= min_profit_quote)
        and (not instruments or item.buy_instrument in instruments or item.sell_instrument in instruments)
        and (not exchanges or item.buy_exchange in exchanges or item.sell_exchange in exchanges)
    ]
    chosen.sort(key=lambda item: item.net_spread_pct, reverse=True)
    return chosen[:limit] if limit else chosen


def as_quote(message: QuoteMessage) -> Quote:
    """A cached quote back as the engine's Quote (contract counts are not cached; spreads use sizes)."""
    return Quote(
        message.exchange,
        message.symbol,
        message.instrument,
        message.bid,
        message.bid_size,
        message.ask,
        message.ask_size,
        message.bid_size,
        message.ask_size,
        message.ts_ms,
        message.recv_ms * 1_000_000,
    )
