"""The depth record: one instrument's top levels on one exchange, at one moment.

Pure: no Django, no I/O, like feeds/types.py. It travels the quotes' road (feed worker →
channel layer → engine) in a message of its own; sizes are in base units, as a Quote's are.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import msgspec

from feeds.types import MAX_PRICE, MAX_SIZE, MIN_PRICE, FrameError, Instrument

# Levels per side a depth record keeps: the engine walks at most this far into either book.
DEPTH_LEVELS = 10


class Depth(msgspec.Struct, frozen=True, array_like=True, gc=False):
    exchange: str
    symbol: str
    instrument: str  # canonical
    bids: list[tuple[Decimal, Decimal]]  # (price, base units), best first
    asks: list[tuple[Decimal, Decimal]]
    ts_ms: int  # exchange time
    recv_ns: int  # local receive time


def build_depth(
    instrument: Instrument,
    bids: Iterable[tuple[Decimal, Decimal]],
    asks: Iterable[tuple[Decimal, Decimal]],
    ts_ms: int,
    recv_ns: int,
    levels: int = DEPTH_LEVELS,
) -> Depth:
    """A Depth from (price, contracts) levels best first, cut to `levels` a side, in base units;
    a level no Quote could carry (feeds.types bounds) is a FrameError."""
    return Depth(
        instrument.exchange,
        instrument.symbol,
        instrument.instrument,
        _side(instrument, bids, levels),
        _side(instrument, asks, levels),
        ts_ms,
        recv_ns,
    )


def _side(instrument: Instrument, levels: Iterable[tuple[Decimal, Decimal]], count: int) -> list:
    side = []
    for price, contracts in levels:
        if len(side) == count:
            break
        if not (price.is_finite() and contracts.is_finite()) or not MIN_PRICE <= price < MAX_PRICE:
            raise FrameError(f"bad depth level in {instrument.exchange} {instrument.symbol}: {price:.6g}")
        if contracts.is_signed() or contracts >= MAX_SIZE:
            raise FrameError(f"bad depth size in {instrument.exchange} {instrument.symbol}: {contracts:.6g}")
        if contracts:
            side.append((price, instrument.size_base(contracts, price)))
    return side


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[Depth])


def encode_depth(records: list[Depth]) -> bytes:
    return _encoder.encode(records)


def decode_depth(payload: bytes) -> list[Depth]:
    return _decoder.decode(payload)


# Depth is streamed on demand: the engine sends the books it wants to this group, as
# {"type": DEPTH_DEMAND_TYPE, "legs": {exchange: [canonical instrument, ...]}}, when they change
# and every few seconds regardless, so that a feed worker started later learns them. A worker
# that hears nothing for DEPTH_DEMAND_EXPIRY_S drops them all: nobody is walking its books.
DEPTH_DEMAND_GROUP = "feeds.depth-demand"
DEPTH_DEMAND_TYPE = "depth.demand"
DEPTH_DEMAND_REFRESH_S = 5.0
DEPTH_DEMAND_EXPIRY_S = 30.0


def demand_message(legs: dict[str, list[str]]) -> dict:
    return {"type": DEPTH_DEMAND_TYPE, "legs": legs}


def demanded_legs(message: dict) -> dict[str, frozenset[str]]:
    """Exchange -> wanted instruments from a demand message; a malformed one is a FrameError."""
    legs = message.get("legs")
    if message.get("type") != DEPTH_DEMAND_TYPE or not isinstance(legs, dict):
        raise FrameError(f"not a depth demand: {str(message)[:80]}")
    if not all(isinstance(exchange, str) and isinstance(wanted, list | tuple) for exchange, wanted in legs.items()):
        raise FrameError(f"malformed depth demand: {str(legs)[:80]}")
    return {exchange: frozenset(map(str, wanted)) for exchange, wanted in legs.items()}
