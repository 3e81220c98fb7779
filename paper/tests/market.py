"""Quotes written where the execution reads them (the engine's cache)."""

from __future__ import annotations

from asgiref.sync import async_to_sync

from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import write_live_state

INSTRUMENT = "ETH/USDT:USDT"


def quoted(*quotes) -> None:
    rows: dict[str, dict[str, str]] = {}
    for quote in quotes:
        rows.setdefault(quote.instrument, {})[quote.exchange] = quote_fragment(quote)
    async_to_sync(write_live_state)(1, rows, index=sorted(rows))
