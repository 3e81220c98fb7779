"""The exchange connectors and the two stable, pure entry points anyone can call.

    parse_instruments(exchange_id, body) -> list[Instrument]
    parse_frame(exchange_id, raw, instruments, state=None) -> list[Quote]
    parse_funding(exchange_id, bodies, instruments, recv_ms) -> list[Funding]
    parse_depth(exchange_id, raw, instruments, state=None) -> list[Depth]
    parse_frame_and_depth(exchange_id, raw, instruments, state, recv_ns, depth_symbols)
        -> (list[Quote], list[Depth])

`FrameError` is the one exception any input may produce.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet

import msgspec

from feeds.depth import Depth
from feeds.exchanges.base import Connector
from feeds.exchanges.binance import Binance
from feeds.exchanges.bitget import Bitget
from feeds.exchanges.bitmex import Bitmex
from feeds.exchanges.bybit import Bybit
from feeds.exchanges.coindcx import CoinDCX
from feeds.exchanges.deribit import Deribit
from feeds.exchanges.gateio import Gateio
from feeds.exchanges.kucoin import KuCoin
from feeds.exchanges.mexc import Mexc
from feeds.exchanges.okx import OKX
from feeds.exchanges.phemex import Phemex
from feeds.funding import Funding
from feeds.types import FrameError, Instrument, Quote

__all__ = [
    "CONNECTORS",
    "EXCHANGE_IDS",
    "FrameError",
    "Instrument",
    "Quote",
    "get_connector",
    "parse_depth",
    "parse_frame",
    "parse_frame_and_depth",
    "parse_funding",
    "parse_instruments",
]

# One line per exchange, in the product's order.
_ALL = [
    Binance(),
    Bybit(),
    OKX(),
    KuCoin(),
    Deribit(),
    Bitmex(),
    Gateio(),
    Mexc(),
    Bitget(),
    Phemex(),
    CoinDCX(),
]
CONNECTORS: dict[str, Connector] = {connector.id: connector for connector in _ALL}
EXCHANGE_IDS: tuple[str, ...] = tuple(CONNECTORS)

# What malformed bytes can make a decoder or the arithmetic after it raise; anything else
# is a bug in a connector and should surface, not be counted as a bad frame.
_BAD_INPUT = (msgspec.MsgspecError, ValueError, TypeError, ArithmeticError, KeyError, IndexError, zlib.error, EOFError)


def get_connector(exchange_id: str) -> Connector:
    try:
        return CONNECTORS[exchange_id]
    except KeyError:
        raise ValueError(f"unknown exchange {exchange_id!r}; known: {', '.join(EXCHANGE_IDS)}") from None


@contextlib.contextmanager
def _as_frame_error(exchange_id: str, what: str) -> Iterator[None]:
    """Whatever a connector's parser raises on bad input becomes one FrameError naming the
    exchange and what could not be parsed: a counted, logged drop, never a crash."""
    try:
        yield
    except FrameError:
        raise
    except _BAD_INPUT as exc:
        raise FrameError(f"{exchange_id}: unparseable {what}: {exc}") from exc


def parse_instruments(exchange_id: str, body: str | bytes) -> list[Instrument]:
    """The perpetual instruments in one response body of the exchange's instrument endpoint."""
    connector = get_connector(exchange_id)
    with _as_frame_error(exchange_id, "instrument list"):
        return connector.parse_instruments(body)


def parse_frame(
    exchange_id: str,
    raw: str | bytes,
    instruments: Mapping[str, Instrument],
    state: dict | None = None,
    recv_ns: int | None = None,
) -> list[Quote]:
    """The complete quotes in one WebSocket frame, exactly as received.

    `state` is one dict per connection, carried across its frames, for channels that send
    a snapshot and then deltas. Control frames and unknown symbols give [].
    """
    connector = get_connector(exchange_id)
    with _as_frame_error(exchange_id, "frame"):
        return connector.parse_frame(raw, instruments, state, time.time_ns() if recv_ns is None else recv_ns)


def parse_funding(
    exchange_id: str, bodies: list[bytes], instruments: Mapping[str, Instrument], recv_ms: int
) -> list[Funding]:
    """The funding records in the answers to the connector's `funding_paths()`, in that order."""
    connector = get_connector(exchange_id)
    with _as_frame_error(exchange_id, "funding answer"):
        return connector.parse_funding(bodies, instruments, recv_ms)


def parse_depth(
    exchange_id: str,
    raw: str | bytes,
    instruments: Mapping[str, Instrument],
    state: dict | None = None,
    recv_ns: int | None = None,
) -> list[Depth]:
    """The depth records in one frame of a depth connection (`state` as for parse_frame)."""
    connector = get_connector(exchange_id)
    with _as_frame_error(exchange_id, "depth frame"):
        return connector.parse_depth(raw, instruments, state, time.time_ns() if recv_ns is None else recv_ns)


def parse_frame_and_depth(
    exchange_id: str,
    raw: str | bytes,
    instruments: Mapping[str, Instrument],
    state: dict | None,
    recv_ns: int,
    depth_symbols: AbstractSet[str],
) -> tuple[list[Quote], list[Depth]]:
    """A quote frame of an exchange whose quote stream is its book (`depth_in_quote_frames`): its
    quotes, and the depth records of the books of `depth_symbols` it moved."""
    connector = get_connector(exchange_id)
    with _as_frame_error(exchange_id, "frame"):
        return connector.parse_frame_and_depth(raw, instruments, state, recv_ns, depth_symbols)
