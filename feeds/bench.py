"""Parser benchmark: µs per frame for each exchange's typical data frame.

The frames are the documented-shape fixtures the parser tests use (feeds/tests/frames/).
Channels that keep a book per connection are timed on their snapshot frames, which carry
the whole top of book, so every call starts from an empty state.
"""

from __future__ import annotations

import importlib
import timeit

from feeds.exchanges import CONNECTORS, parse_frame, parse_instruments

# exchange -> (data frame, instrument-list body), names in feeds/tests/frames/<exchange>.py
FRAMES = {
    "binance": ("BOOK_TICKER", "EXCHANGE_INFO"),
    "bybit": ("SNAPSHOT", "INSTRUMENTS_PAGE"),
    "okx": ("BBO", "INSTRUMENTS"),
    "kucoin": ("TICKER_V2", "CONTRACTS_ACTIVE"),
    "deribit": ("QUOTE_LINEAR", "GET_INSTRUMENTS"),
    "bitmex": ("INSERT", "INSTRUMENT_ACTIVE"),
    "gateio": ("BOOK_TICKER", "CONTRACTS"),
    "mexc": ("DEPTH_FULL", "CONTRACT_DETAIL"),
    "bitget": ("BOOKS1", "CONTRACTS_USDT"),
    "phemex": ("USDT_SNAPSHOT", "PRODUCTS"),
    "coindcx": ("SNAPSHOT", "ACTIVE_INSTRUMENTS"),
}


def bench_parsers(number: int = 20_000) -> list[dict]:
    rows = []
    for exchange_id in CONNECTORS:
        frame_name, body_name = FRAMES[exchange_id]
        frames = importlib.import_module(f"feeds.tests.frames.{exchange_id}")
        frame = getattr(frames, frame_name)
        instruments = {i.symbol: i for i in parse_instruments(exchange_id, getattr(frames, body_name))}
        if not parse_frame(exchange_id, frame, instruments, {}, 0):
            raise RuntimeError(f"{exchange_id}: {frame_name} gives no quote")
        seconds = min(
            timeit.repeat(
                lambda: parse_frame(exchange_id, frame, instruments, {}, 0),  # noqa: B023
                number=number,
                repeat=3,
            )
        )
        rows.append({"exchange": exchange_id, "us_per_frame": seconds / number * 1e6, "frame": frame_name})
    return rows
