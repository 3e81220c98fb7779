"""Near misses: pairs of fresh quotes whose net spread (after both taker fees) is at or below
break-even, but within a chosen distance of it. Pure: no Django, no I/O.

The same quotes and the same maths as the opportunities (arbitrage.spreads), taken from the
other side of zero: what would open with a few basis points more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from arbitrage.read_model import quote_age_ms, quote_stale_after_ms
from arbitrage.spreads import Spread, exact_spread, units_of
from feeds.types import Quote

BPS_PER_PCT = Decimal(100)
_PCT = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class NearMiss:
    group: str
    buy: Quote
    sell: Quote
    spread: Spread

    @property
    def to_break_even_bps(self) -> Decimal:
        """How far the net spread is from zero, in basis points (0 or more)."""
        return (-self.spread.net_spread_pct * BPS_PER_PCT).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class NearMissRow:
    """A near miss as the API (NearMissSerializer) and the Opportunities page list it."""

    group: str
    symbol: str
    buy_exchange: str
    buy_instrument: str
    buy_price: Decimal
    sell_exchange: str
    sell_instrument: str
    sell_price: Decimal
    gross_spread_pct: Decimal
    net_spread_pct: Decimal
    to_break_even_bps: Decimal
    size_base: Decimal
    basis_risk: bool
    quote_age_ms: int  # the older leg's, as the pages show a quote's age

    @classmethod
    def of(cls, miss: NearMiss, now_ms: int) -> NearMissRow:
        buy, sell, spread = miss.buy, miss.sell, miss.spread
        return cls(
            group=miss.group,
            symbol=buy.instrument,
            buy_exchange=buy.exchange,
            buy_instrument=buy.instrument,
            buy_price=spread.buy_price,
            sell_exchange=sell.exchange,
            sell_instrument=sell.instrument,
            sell_price=spread.sell_price,
            gross_spread_pct=spread.gross_spread_pct.quantize(_PCT),
            net_spread_pct=spread.net_spread_pct.quantize(_PCT),
            to_break_even_bps=miss.to_break_even_bps,
            size_base=spread.size_base,
            basis_risk=spread.basis_risk,
            quote_age_ms=max(_age_ms(buy, now_ms), _age_ms(sell, now_ms)),
        )


def _age_ms(quote: Quote, now_ms: int) -> int:
    return quote_age_ms(quote.ts_ms, quote.recv_ns // 1_000_000, now_ms)


def _usable(quote: Quote, now_ms: int, max_age_ms: int) -> bool:
    fresh = now_ms <= quote_stale_after_ms(quote, max_age_ms)  # as the tracker and the pages judge it
    return fresh and 0 < quote.bid < quote.ask and quote.bid_size > 0 and quote.ask_size > 0


def near_misses(
    quotes: Iterable[Quote],
    fees_pct: Mapping[str, Decimal],
    max_age_ms: Mapping[str, int],
    *,
    within_bps: Decimal,
    now_ms: int,
    default_fee_pct: Decimal = Decimal("0.06"),
    default_max_age_ms: int = 5000,
    allow_cross_quote: bool = False,
) -> list[NearMiss]:
    """Every pair (buy on one exchange, sell on another, in one market) with
    -within_bps <= net spread <= 0, closest to break-even first.

    Stale, crossed and one-sided quotes take no part, as in the tracker; legs quoted in
    different currencies pair only when `allow_cross_quote`.
    """
    floor_pct = -within_bps / BPS_PER_PCT
    markets: dict[str, list[Quote]] = {}
    for quote in quotes:
        if _usable(quote, now_ms, max_age_ms.get(quote.exchange, default_max_age_ms)):
            markets.setdefault(units_of(quote.instrument).group, []).append(quote)
    found = []
    for group, legs in markets.items():
        for buy in legs:
            for sell in legs:
                if buy.exchange == sell.exchange:
                    continue
                if not allow_cross_quote and units_of(buy.instrument).quote != units_of(sell.instrument).quote:
                    continue
                spread = exact_spread(
                    buy,
                    sell,
                    fees_pct.get(buy.exchange, default_fee_pct),
                    fees_pct.get(sell.exchange, default_fee_pct),
                )
                if floor_pct <= spread.net_spread_pct <= 0:
                    found.append(NearMiss(group, buy, sell, spread))
    found.sort(key=lambda miss: (-miss.spread.net_spread_pct, miss.group, miss.buy.exchange, miss.sell.exchange))
    return found
