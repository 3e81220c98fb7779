from __future__ import annotations

from decimal import Decimal

from feeds.types import Quote


def make_quote(
    exchange: str = "binance",
    instrument: str = "BTC/USDT:USDT",
    bid: str = "43250.1",
    ask: str = "43250.2",
    size: str = "1.5",
    ts_ms: int = 1_700_000_000_000,
) -> Quote:
    symbol = instrument.split(":")[0].replace("/", "")
    return Quote(
        exchange,
        symbol,
        instrument,
        Decimal(bid),
        Decimal(size),
        Decimal(ask),
        Decimal(size),
        Decimal(size),
        Decimal(size),
        ts_ms,
        ts_ms * 1_000_000 + 5_000_000,
    )
