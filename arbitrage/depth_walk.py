"""Depth maths: the size that maximises net profit when buying up one book and selling into another.

Pure: no Django, no I/O, Decimal throughout. Prices are per coin and sizes in coin units, as
arbitrage/spreads.py uses them for the top of book (an instrument's multiplier already applied).

Walking both books best level first, each further coin is bought dearer and sold cheaper, so
the profit of the next coin only falls: the walk stops at the first coin that no longer pays
both taker fees, and the size filled up to there is the size of greatest profit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from arbitrage.spreads import HUNDRED

ZERO = Decimal(0)

# One side of a book, best level first: (price per coin, size in coins).
Levels = Sequence[tuple[Decimal, Decimal]]


@dataclass(frozen=True, slots=True)
class DepthFill:
    """Buying `size_base` coins up the asks and selling them down the bids, both as taker."""

    size_base: Decimal  # 0 when not even the first coin pays both fees
    avg_buy_price: Decimal  # per coin; the best ask at size 0
    avg_sell_price: Decimal  # per coin; the best bid at size 0
    buy_slippage_pct: Decimal  # how much dearer than the best ask the average buy is
    sell_slippage_pct: Decimal  # how much cheaper than the best bid the average sell is
    net_spread_pct: Decimal  # after both fees, at the average prices
    profit_quote: Decimal  # net of both fees, in the quote currency
    books_exhausted: bool  # a side ran out while the next coin still paid: more may be there


def walk_books(asks: Levels, bids: Levels, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> DepthFill | None:
    """The most profitable fill of buying up `asks` and selling into `bids`; None if a side is empty."""
    if not asks or not bids:
        return None
    buy_factor = 1 + buy_fee_pct / HUNDRED
    sell_factor = 1 - sell_fee_pct / HUNDRED
    ask_i = bid_i = 0
    ask_left, bid_left = asks[0][1], bids[0][1]
    size = cost = proceeds = ZERO  # cost and proceeds before fees
    exhausted = False
    while True:
        ask_price, bid_price = asks[ask_i][0], bids[bid_i][0]
        if bid_price * sell_factor - ask_price * buy_factor <= 0:
            break
        take = min(ask_left, bid_left)
        size += take
        cost += take * ask_price
        proceeds += take * bid_price
        ask_left -= take
        bid_left -= take
        if not ask_left:
            ask_i += 1
            if ask_i == len(asks):
                exhausted = True
                break
            ask_left = asks[ask_i][1]
        if not bid_left:
            bid_i += 1
            if bid_i == len(bids):
                exhausted = True
                break
            bid_left = bids[bid_i][1]
    best_ask, best_bid = asks[0][0], bids[0][0]
    if not size:
        avg_buy, avg_sell = best_ask, best_bid
    else:
        avg_buy, avg_sell = cost / size, proceeds / size
    net_per_coin = avg_sell * sell_factor - avg_buy * buy_factor
    return DepthFill(
        size_base=size,
        avg_buy_price=avg_buy,
        avg_sell_price=avg_sell,
        buy_slippage_pct=(avg_buy - best_ask) / best_ask * HUNDRED,
        sell_slippage_pct=(best_bid - avg_sell) / best_bid * HUNDRED,
        net_spread_pct=net_per_coin / avg_buy * HUNDRED,
        profit_quote=proceeds * sell_factor - cost * buy_factor,
        books_exhausted=exhausted,
    )
