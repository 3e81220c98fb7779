"""Both legs of a cross-exchange trade filled against the books of the moment. Pure.

A paper execution buys on one exchange at its ask and sells on the other at its bid, both as
market orders. Only the top of each book is known today, so a size above what either top
level offers is refused rather than filled at a price nobody quoted. What a fill does to a
position and its wallet is paper.positions'. Linear contracts only (settled in the quote
currency); inverse ones are refused, said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from math import lcm

from lib.numbers import plain
from paper.executor import ExecutionRefused

HUNDRED = Decimal(100)


class NotFillable(ExecutionRefused):
    """Why a pair cannot be filled now; nothing is filled."""


@dataclass(frozen=True)
class Book:
    exchange: str
    instrument: str  # canonical, BASE/QUOTE:SETTLE
    bid: Decimal
    ask: Decimal
    bid_size: Decimal  # base units
    ask_size: Decimal
    ts_ms: int
    lot_base: Decimal  # the exchange's order size step, base units
    taker_fee_pct: Decimal
    max_age_ms: int
    min_base: Decimal = Decimal(0)  # the exchange's smallest order, base units (0: none given)

    @property
    def settle(self) -> str:
        return self.instrument.rsplit(":", 1)[1]

    @property
    def base(self) -> str:
        return self.instrument.split("/", 1)[0]

    @property
    def quote(self) -> str:
        return self.instrument.split("/", 1)[1].split(":", 1)[0]


@dataclass(frozen=True)
class LegFill:
    exchange: str
    instrument: str
    side: str  # "buy" (long) or "sell" (short)
    price: Decimal
    size_base: Decimal
    notional: Decimal  # price × size, settle currency
    fee: Decimal  # taker fee, settle currency
    currency: str


def _round_to_lot(size: Decimal, lot: Decimal) -> Decimal:
    return (size / lot).to_integral_value(rounding=ROUND_DOWN) * lot


def common_lot(first: Decimal, second: Decimal) -> Decimal:
    """The smallest size that is a whole number of both steps (0.001 and 0.01: 0.01; 0.002
    and 0.003: 0.006), so both legs fill the same size and each is valid on its exchange."""
    exponent = min(first.as_tuple().exponent, second.as_tuple().exponent, 0)
    return Decimal(lcm(int(first.scaleb(-exponent)), int(second.scaleb(-exponent)))).scaleb(exponent)


def fill_pair(buy: Book, sell: Book, size_base: Decimal, now_ms: int) -> tuple[LegFill, LegFill]:
    """Long `size_base` on `buy` at its ask, short the same on `sell` at its bid."""
    for book in (buy, sell):
        if book.settle != book.quote:
            raise NotFillable(f"{book.instrument} on {book.exchange} is an inverse contract: not paper-traded yet")
        age_ms = now_ms - book.ts_ms
        if age_ms > book.max_age_ms:
            raise NotFillable(f"{book.exchange}'s {book.instrument} quote is {age_ms / 1000:.1f} s old")
        if book.bid <= 0 or book.ask <= 0 or book.bid > book.ask:
            raise NotFillable(f"{book.exchange}'s {book.instrument} book is empty or crossed")
    lot = common_lot(buy.lot_base, sell.lot_base)
    size = _round_to_lot(size_base, lot)
    if size <= 0:
        raise NotFillable(f"size {plain(size_base)} is below one lot ({plain(lot)} {buy.base})")
    for book in (buy, sell):
        if size < book.min_base:
            raise NotFillable(
                f"size {plain(size)} is below {book.exchange}'s smallest order ({plain(book.min_base)} {book.base})"
            )
    if size > buy.ask_size or size > sell.bid_size:
        available = min(buy.ask_size, sell.bid_size)
        raise NotFillable(f"size {plain(size)} exceeds the top of the books ({plain(available)} available on both)")
    return _leg(buy, "buy", buy.ask, size), _leg(sell, "sell", sell.bid, size)


def _leg(book: Book, side: str, price: Decimal, size: Decimal) -> LegFill:
    notional = price * size
    return LegFill(
        exchange=book.exchange,
        instrument=book.instrument,
        side=side,
        price=price,
        size_base=size,
        notional=notional,
        fee=notional * book.taker_fee_pct / HUNDRED,
        currency=book.settle,
    )
