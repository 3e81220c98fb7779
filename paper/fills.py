"""Both legs of a cross-exchange trade filled against the books of the moment. Pure.

A paper execution buys on one exchange and sells on the other, both as market orders. A leg
whose exchange's book of levels (feeds.depth.Depth) is fresh, as arbitrage.depth decides it,
walks that book best level first and fills at the volume-weighted average price; a leg with
no fresh book fills at the top of book. Either way a size above what the known levels hold
is refused, both legs with it, rather than filled in part or at a price nobody quoted: a
market order for 2 ETH that fills 1.3 is not what the trader asked for, and the other leg
would be left unhedged. Each fill says which it was priced from. What a fill does to a
position and its wallet is paper.positions'. Linear contracts only (settled in the quote
currency); inverse ones are refused, said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from math import lcm

from arbitrage.depth import DepthBook
from arbitrage.read_model import quote_age_ms
from feeds.depth import Depth
from lib.numbers import plain
from paper.executor import ExecutionRefused

HUNDRED = Decimal(100)
ZERO = Decimal(0)

PRICED_FROM_DEPTH = "depth"  # walked the exchange's fresh book of levels
PRICED_FROM_TOP = "top_of_book"  # no fresh book known: the quote's best bid or ask

# One side of a book, best level first: (price, size in base units), as Depth holds it.
Levels = list[tuple[Decimal, Decimal]]


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
    ts_ms: int  # exchange time
    recv_ms: int  # when the feed received it: a quote ages from the earlier (arbitrage.read_model)
    lot_base: Decimal  # the exchange's order size step, base units; UNKNOWN_STEP: its listing gives none
    taker_fee_pct: Decimal
    max_age_ms: int
    min_base: Decimal = Decimal(0)  # the exchange's smallest order, base units (0: none given)
    depth: Depth | None = None  # the exchange's latest book of levels for this leg, if one is known

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
    priced_from: str = PRICED_FROM_TOP  # PRICED_FROM_DEPTH or PRICED_FROM_TOP


# A feed connection in one of these states is down (feeds.session; merged states of several
# connections say "degraded" when only some are, and those still deliver).
DISCONNECTED_STATES = frozenset({"backoff", "connecting", "stopped"})


def disconnected(exchange: str, status: dict | None, quote_recv_ms: int) -> str | None:
    """Why a leg's quote may not be filled against although it is young: its exchange's feed
    (feeds.status, as the worker last reported it) is down, or reconnected since the quote
    came, so the quote is from a connection that went down. None when neither is known."""
    if status is None:
        return None
    if status.get("state") in DISCONNECTED_STATES:
        return f"{exchange}'s feed is disconnected ({status['state']})"
    connected_since_ms = status.get("connected_since_ms")
    if connected_since_ms is not None and quote_recv_ms < connected_since_ms:
        return f"{exchange}'s feed reconnected since its last quote"
    return None


def walk_levels(levels: Levels, size_base: Decimal) -> tuple[Decimal, Decimal] | None:
    """(average price, notional) of taking `size_base` from `levels`, best first; None when
    they hold less. The notional is exact; the average is it divided by the size."""
    left, notional = size_base, ZERO
    for price, available in levels:
        take = min(left, available)
        notional += take * price
        left -= take
        if not left:
            return notional / size_base, notional
    return None


# A listing in coins whose order step is not known (CoinDCX: its instrument list gives pair
# names only). Its fills step by a power of ten worth at least this much of the quote currency
# (conservative_step), not by a whole coin.
UNKNOWN_STEP = ZERO
UNKNOWN_STEP_MIN_NOTIONAL = Decimal(100)


def conservative_step(price: Decimal) -> Decimal:
    """The smallest power of ten of base units worth at least UNKNOWN_STEP_MIN_NOTIONAL at
    `price` (BTC at 97,000: 0.01; ETH at 3,500: 0.1; DOGE at 0.15: 1000). Exchanges' order
    steps are 1, 2 or 5 times a power of ten and, for USDT perpetuals, worth less than that
    (Binance: BTC 0.001, ETH 0.001, SOL 1, DOGE 1): any such step divides this one, so a size
    rounded to it is a whole number of the real step, at the cost of a coarser size."""
    if not price.is_finite() or price <= 0:
        return Decimal(1)
    ratio = UNKNOWN_STEP_MIN_NOTIONAL / price
    exponent = ratio.adjusted()  # floor(log10(ratio))
    if ratio != Decimal(1).scaleb(exponent):
        exponent += 1
    return Decimal(1).scaleb(exponent)


def order_step(book: Book) -> Decimal:
    """The leg's order step in base units: its listing's, else the conservative step at its bid."""
    return book.lot_base if book.lot_base != UNKNOWN_STEP else conservative_step(book.bid)


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
        age_ms = quote_age_ms(book.ts_ms, book.recv_ms, now_ms)
        if age_ms > book.max_age_ms:
            raise NotFillable(f"{book.exchange}'s {book.instrument} quote is {age_ms / 1000:.1f} s old")
        if book.bid <= 0 or book.ask <= 0 or book.bid > book.ask:
            raise NotFillable(f"{book.exchange}'s {book.instrument} book is empty or crossed")
    lot = common_lot(order_step(buy), order_step(sell))
    size = _round_to_lot(size_base, lot)
    if size <= 0:
        raise NotFillable(f"size {plain(size_base)} is below one lot ({plain(lot)} {buy.base})")
    for book in (buy, sell):
        if size < book.min_base:
            raise NotFillable(
                f"size {plain(size)} is below {book.exchange}'s smallest order ({plain(book.min_base)} {book.base})"
            )
    buy_levels, sell_levels = fresh_levels(buy, "buy", now_ms), fresh_levels(sell, "sell", now_ms)
    if buy_levels is None and sell_levels is None and (size > buy.ask_size or size > sell.bid_size):
        available = min(buy.ask_size, sell.bid_size)
        raise NotFillable(f"size {plain(size)} exceeds the top of the books ({plain(available)} available on both)")
    return _leg(buy, "buy", buy_levels, size), _leg(sell, "sell", sell_levels, size)


def fresh_levels(book: Book, side: str, now_ms: int) -> Levels | None:
    """The side of the leg's book a market order takes (asks to buy, bids to sell), if its
    book is as fresh as its quote must be (arbitrage.depth.DepthBook.fresh) and not empty."""
    if book.depth is None:
        return None
    known = DepthBook()
    known.apply([book.depth])
    fresh = known.fresh(book.exchange, book.instrument, book.max_age_ms, now_ms)
    if fresh is None:
        return None
    return (fresh.asks if side == "buy" else fresh.bids) or None


def _leg(book: Book, side: str, levels: Levels | None, size: Decimal) -> LegFill:
    if levels is None:
        price = book.ask if side == "buy" else book.bid
        top_base = book.ask_size if side == "buy" else book.bid_size
        if size > top_base:
            raise NotFillable(
                f"size {plain(size)} exceeds the top of {book.exchange}'s book "
                f"({plain(top_base)} {book.base} available; no fresh depth to walk)"
            )
        notional, priced_from = price * size, PRICED_FROM_TOP
    else:
        walked = walk_levels(levels, size)
        if walked is None:
            held = sum((available for _, available in levels), ZERO)
            book_side = "asks" if side == "buy" else "bids"
            raise NotFillable(
                f"size {plain(size)} exceeds {book.exchange}'s {book_side} "
                f"({plain(held)} {book.base} on {len(levels)} levels)"
            )
        (price, notional), priced_from = walked, PRICED_FROM_DEPTH
    return LegFill(
        exchange=book.exchange,
        instrument=book.instrument,
        side=side,
        price=price,
        size_base=size,
        notional=notional,
        fee=notional * book.taker_fee_pct / HUNDRED,
        currency=book.settle,
        priced_from=priced_from,
    )
