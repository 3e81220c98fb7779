"""The levels an opportunity's depth walk reads, carried beside it so any process can walk them
again at other fees (a user's own: arbitrage/fee_tables.py). Pure: no Django, no I/O.

The engine walks both books once, at the admin's fees. What it sends on (the channel layer's
update, the cache's open opportunities) carries, per open opportunity with depth, the buy
leg's asks and the sell leg's bids per coin, cut to the levels a walk at any non-negative
fees can reach: the walk with no fees stops at the first coin whose bid no longer exceeds its
ask, and a walk paying fees stops there or before. Most open opportunities reach a level or
two of the ten known, so this is a few pairs of decimal strings, not forty. Clients never get
them: they get the walk's figures at their own fees, which is all a level would tell them
that the quotes and `depth` do not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from arbitrage.depth_walk import DepthFill, Levels, walk_books
from arbitrage.tracker import OpenOpportunity

# As the layer and the cache carry them: [asks, bids], each [[price, size], ...] of decimal
# strings, per coin, best first.
EncodedLevels = list[list[list[str]]]

# How the engine gives an open opportunity's walked levels (None: no depth), for the parts of it
# that send or match opportunities without holding the books themselves.
LevelsOf = Callable[[OpenOpportunity, int], EncodedLevels | None]


def reachable(asks: Levels, bids: Levels) -> tuple[Levels, Levels]:
    """`asks` and `bids` cut to what walk_books reads at any fees of zero or more: walking them
    gives the same fill as walking the whole books, `books_exhausted` included."""
    if not asks or not bids:
        return asks, bids
    ask_i = bid_i = 0
    ask_left, bid_left = asks[0][1], bids[0][1]
    # walk_books' loop with no fees, keeping only where it stands.
    while bids[bid_i][0] > asks[ask_i][0]:
        take = min(ask_left, bid_left)
        ask_left -= take
        bid_left -= take
        if not ask_left:
            ask_i += 1
            if ask_i == len(asks):
                break
            ask_left = asks[ask_i][1]
        if not bid_left:
            bid_i += 1
            if bid_i == len(bids):
                break
            bid_left = bids[bid_i][1]
    return asks[: ask_i + 1], bids[: bid_i + 1]


def encode_levels(asks: Levels, bids: Levels) -> EncodedLevels:
    """The reachable levels as the layer and the cache carry them."""
    asks, bids = reachable(asks, bids)
    return [[[str(price), str(size)] for price, size in asks], [[str(price), str(size)] for price, size in bids]]


def decode_levels(encoded: Sequence) -> tuple[Levels, Levels]:
    """(asks, bids) per coin; ValueError for anything not in encode_levels' shape."""
    try:
        asks, bids = encoded
        return (
            [(Decimal(price), Decimal(size)) for price, size in asks],
            [(Decimal(price), Decimal(size)) for price, size in bids],
        )
    except (TypeError, ArithmeticError) as exc:
        raise ValueError(f"not walked levels: {exc}") from exc


def walk_encoded(encoded: Sequence, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> DepthFill | None:
    """The walk of carried levels at these fees; None when a side is empty."""
    asks, bids = decode_levels(encoded)
    return walk_books(asks, bids, buy_fee_pct, sell_fee_pct)
