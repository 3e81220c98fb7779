from __future__ import annotations

from decimal import Decimal

import msgspec
from django.core.cache import cache

from arbitrage.messages import OpportunityMessage, fragment
from arbitrage.quote_cache import HEARTBEAT_KEY, OPPORTUNITIES_KEY
from feeds.types import Quote
from lib import clock


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


def opportunity_record(**overrides) -> OpportunityMessage:
    """An open opportunity as the read side holds it (typed), buying binance and selling bybit."""
    fields = {
        "id": "abc",
        "group": "BTC/USD",
        "symbol": "BTC/USDT:USDT",
        "buy_exchange": "binance",
        "buy_instrument": "BTC/USDT:USDT",
        "buy_price": "100",
        "sell_exchange": "bybit",
        "sell_instrument": "BTC/USDT:USDT",
        "sell_price": "101",
        "spread": "1",
        "spread_percentage": "1.000000",
        "gross_spread_pct": "1.000000",
        "net_spread_pct": "0.894450",
        "size_base": "0.5",
        "profit_quote": "0.44722500",
        "potential_profit": "0.44722500",
        "profitable": True,
        "basis_risk": False,
        "opened_ms": 1,
        "updated_ms": 1,
        "ticks": 1,
        "peak_net_spread_pct": "0.894450",
        **overrides,
    }
    fields.setdefault("symbol", fields["buy_instrument"])
    return msgspec.convert(fields, OpportunityMessage, strict=False)


def cache_opportunity(**overrides) -> OpportunityMessage:
    """An open opportunity in the cache, as the engine writes it, with a live heartbeat."""
    item = opportunity_record(**overrides)
    entries = cache.get(OPPORTUNITIES_KEY) or {}
    entries[item.id] = (item.buy_instrument, item.sell_instrument, fragment(item))
    cache.set_many({OPPORTUNITIES_KEY: entries, HEARTBEAT_KEY: clock.now_ms()})
    return item
