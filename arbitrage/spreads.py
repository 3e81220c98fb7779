"""Spread maths: what buying on one exchange and selling on another yields, after taker fees.

Pure: no Django, no I/O. Prices are compared per coin, so `1000PEPE` at 0.012 and `PEPE` at
0.000012 are the same price; sizes are in coin units for the same reason.

Two precisions on purpose: the tracker screens every pair on every tick with floats (cheap,
and a screening error of 1e-12 % cannot matter), and everything shown or stored is computed
again here exactly, in Decimal, from the quotes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from feeds.types import Quote, split_multiplier

HUNDRED = Decimal(100)
DEFAULT_TAKER_FEE_PCT = Decimal("0.06")  # an exchange with no row in admin → Exchanges
# Quote currencies worth the same dollar: contracts quoted in them are one market, but a
# gap between two of them is partly the stablecoins' own basis.
USD_FAMILY = frozenset({"USD", "USDT", "USDC", "FDUSD", "USDE", "DAI"})


@dataclass(frozen=True, slots=True)
class Units:
    """How an instrument's prices and sizes relate to its coin."""

    group: str  # the market it belongs to: coin and quote family, e.g. "BTC/USD"
    coin: str
    quote: str
    multiplier: Decimal  # coins per unit of the instrument's base (1000 for 1000PEPE)


@lru_cache(maxsize=65536)
def units_of(instrument: str) -> Units:
    """`1000PEPE/USDT:USDT` -> Units("PEPE/USD", "PEPE", "USDT", 1000)."""
    base, _, rest = instrument.partition("/")
    quote = rest.partition(":")[0]
    coin, multiplier = split_multiplier(base)
    family = "USD" if quote in USD_FAMILY else quote
    return Units(f"{coin}/{family}", coin, quote, multiplier)


@dataclass(frozen=True, slots=True)
class Spread:
    """Buy at `buy`'s ask, sell at `sell`'s bid, both as takers. Prices per coin."""

    buy_price: Decimal
    sell_price: Decimal
    gross_spread_pct: Decimal
    net_spread_pct: Decimal
    size_base: Decimal  # coin units executable at both tops of book
    profit_quote: Decimal  # net of both fees, at size_base, in the quote currency
    basis_risk: bool  # the two legs are quoted in different currencies (USD vs USDT ...)


def net_after_fees(
    buy_price: Decimal, sell_price: Decimal, size_base: Decimal, buy_fee_pct: Decimal, sell_fee_pct: Decimal
) -> tuple[Decimal, Decimal]:
    """(net spread %, profit in the quote currency at `size_base`) of buying at `buy_price` and
    selling at `sell_price` (per coin), paying each taker fee: the one formula every net figure
    comes from, the engine's and each user's own (arbitrage/fee_tables.py)."""
    cost = buy_price * (1 + buy_fee_pct / HUNDRED)
    proceeds = sell_price * (1 - sell_fee_pct / HUNDRED)
    return (proceeds - cost) / buy_price * HUNDRED, (proceeds - cost) * size_base


def exact_spread(buy: Quote, sell: Quote, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> Spread:
    buy_units, sell_units = units_of(buy.instrument), units_of(sell.instrument)
    buy_price = buy.ask / buy_units.multiplier
    sell_price = sell.bid / sell_units.multiplier
    size = min(buy.ask_size * buy_units.multiplier, sell.bid_size * sell_units.multiplier)
    net_spread_pct, profit_quote = net_after_fees(buy_price, sell_price, size, buy_fee_pct, sell_fee_pct)
    return Spread(
        buy_price=buy_price,
        sell_price=sell_price,
        gross_spread_pct=(sell_price - buy_price) / buy_price * HUNDRED,
        net_spread_pct=net_spread_pct,
        size_base=size,
        profit_quote=profit_quote,
        basis_risk=buy_units.quote != sell_units.quote,
    )


def net_spread_pct_f(buy_ask: float, buy_fee: float, sell_bid: float, sell_fee: float) -> float:
    """The screening form of `exact_spread(...).net_spread_pct`; fees as fractions, prices per coin."""
    return (sell_bid * (1.0 - sell_fee) - buy_ask * (1.0 + buy_fee)) / buy_ask * 100.0
