"""Order books kept from a snapshot and the deltas after it, per symbol and connection. Pure.

Bybit, Phemex and CoinDCX send a book whole, then only the levels that changed, where a size of
0 deletes the price. A side is a dict price -> size (Decimal, or an exchange's scaled integer).
Changes are applied to copies of the sides, which replace the kept ones only when every level
of the frame is sound: a frame with one bad level raises FrameError and leaves the book as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import msgspec

from feeds.types import MAX_PRICE, MAX_SIZE, MIN_PRICE, FrameError


# A Struct, not a class with __init__: one is built per snapshot, on the hot path. gc=False: it
# holds two dicts of numbers and an int, never a cycle.
class Book(msgspec.Struct, gc=False):
    """One symbol's kept sides, price -> size, and the sequence number of the last frame applied."""

    bids: dict = {}
    asks: dict = {}
    seq: int | None = None

    def apply(self, bids: Iterable[tuple], asks: Iterable[tuple], exchange: str, depth: int = 0) -> tuple | None:
        """Apply one frame's (price, size) levels, each side cut to its best `depth` levels (0: all).

        Returns (bid, bid size, ask, ask size) at the top of the book after the frame, or None
        while a side is empty: never half a quote.
        """
        new_bids = merged(self.bids, bids, exchange, depth, True) if bids else self.bids
        new_asks = merged(self.asks, asks, exchange, depth, False) if asks else self.asks
        self.bids, self.asks = new_bids, new_asks
        if not new_bids or not new_asks:
            return None
        bid, ask = max(new_bids), min(new_asks)
        return bid, new_bids[bid], ask, new_asks[ask]


def kept_books(state: dict | None, key: str) -> dict[str, Book]:
    """The books a connection keeps per symbol, under `key` in its state (without state: none kept)."""
    if state is None:
        return {}
    books = state.get(key)
    if books is None:
        books = state[key] = {}
    return books


def merged(side: dict, levels: Iterable[tuple], exchange: str, depth: int = 0, highest_first: bool = True) -> dict:
    """A copy of `side` with the (price, size) levels applied, cut to its best `depth` levels (0: all).

    Exchanges that keep only the top levels up to date (Phemex's window, Bybit's one level) stop
    updating those that fall out of it, so they are dropped rather than kept stale.
    """
    side = dict(side) if side else {}
    for price, size in levels:
        if type(price) is int:  # a scaled integer (Phemex COIN-M): finite, bounded once unscaled
            sound = price > 0 and size >= 0
        else:  # a Decimal may be NaN, infinite or absurd: the bounds every Quote keeps (feeds.types)
            sound = price.is_finite() and size.is_finite() and MIN_PRICE <= price < MAX_PRICE and 0 <= size < MAX_SIZE
        if not sound:
            raise FrameError(f"{exchange}: bad book level {price:.6g} {size:.6g}")
        if size:
            side[price] = size
        else:
            side.pop(price, None)
    if 0 < depth < len(side):
        if depth == 1:
            best = max(side) if highest_first else min(side)
            return {best: side[best]}
        return dict(sorted(side.items(), reverse=highest_first)[:depth])
    return side


def decimal_levels(levels: Iterable[list | tuple]) -> list[tuple]:
    """[price, size, ...] levels as an exchange sends them (strings or numbers; anything after the
    size, such as an order count, ignored) as (Decimal, Decimal), in the order sent."""
    return [(Decimal(level[0]), Decimal(level[1])) for level in levels]
