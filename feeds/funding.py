"""The funding record: one perpetual's current funding rate on one exchange, and when it is paid.

Pure: no Django, no I/O, like feeds/types.py. A rate is a fraction of the position's notional
paid at each funding event, positive when longs pay shorts; the interval is the exchange's own
for that instrument (1, 2, 4 or 8 h), never assumed by the caller.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from feeds.types import FrameError, Instrument

# A funding rate is clamped by every exchange to a few percent per event; anything at or past
# ±100 % is a broken frame, not a market. Intervals run from 1 h to a day.
MAX_ABS_RATE = Decimal(1)
MAX_INTERVAL_H = 24
HOUR_MS = 3_600_000


class Funding(msgspec.Struct, frozen=True, array_like=True, gc=False):
    exchange: str
    symbol: str  # the exchange's own name
    instrument: str  # canonical, e.g. BTC/USDT:USDT
    rate: Decimal  # per funding event; positive: longs pay shorts
    interval_h: int  # hours between two funding events of this instrument
    next_funding_ms: int  # when the next one is paid (exchange time, ms)
    ts_ms: int  # when the exchange stated it (or when it was received, if it said nothing)


def build_funding(instrument: Instrument, rate: Decimal, interval_h: int, next_funding_ms: int, ts_ms: int) -> Funding:
    """A Funding record; a number no record may carry is a FrameError."""
    if not rate.is_finite() or abs(rate) >= MAX_ABS_RATE:
        raise FrameError(f"funding rate out of range in {instrument.exchange} {instrument.symbol}: {rate}")
    if not 1 <= interval_h <= MAX_INTERVAL_H:
        raise FrameError(f"funding interval out of range in {instrument.exchange} {instrument.symbol}: {interval_h} h")
    if next_funding_ms <= 0:
        raise FrameError(f"no next funding time in {instrument.exchange} {instrument.symbol}")
    return Funding(
        instrument.exchange, instrument.symbol, instrument.instrument, rate, interval_h, next_funding_ms, ts_ms
    )


def interval_hours_from_ms(interval_ms: int) -> int:
    """An interval the exchange gives in ms (or as the gap between two funding times) in whole hours."""
    hours, rest = divmod(interval_ms, HOUR_MS)
    if rest or hours <= 0:
        raise FrameError(f"funding interval of {interval_ms} ms is not a whole number of hours")
    return hours


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[Funding])


def encode_funding(records: list[Funding]) -> bytes:
    """Records as compact bytes for one channel-layer message (Decimals travel as strings)."""
    return _encoder.encode(records)


def decode_funding(payload: bytes) -> list[Funding]:
    return _decoder.decode(payload)
