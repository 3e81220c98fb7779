from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
from django.core.cache import cache
from django.utils import timezone

from arbitrage.messages import OpportunityMessage, fragment
from arbitrage.models import Opportunity
from arbitrage.quote_cache import HEARTBEAT_KEY, OPPORTUNITIES_KEY
from feeds.models import Instrument
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


def list_instrument(exchange: str, instrument: str, tick: str = "0.1", symbol: str | None = None) -> Instrument:
    """An exchange's listing of a canonical instrument, as its instrument list stores it."""
    base, _, rest = instrument.partition("/")
    quote, _, settle = rest.partition(":")
    return Instrument.objects.create(
        exchange=exchange,
        symbol=symbol or f"{exchange}-{instrument}",
        instrument=instrument,
        base=base,
        quote=quote,
        settle=settle,
        linear=quote == settle,
        contract_size=1,
        tick_size=Decimal(tick),
    )


def recorded_life(**overrides) -> Opportunity:
    """A closed opportunity life in the database, buying binance and selling bybit BTC."""
    closed_at = timezone.now()
    fields = {
        "group": "BTC/USD",
        "buy_exchange": "binance",
        "buy_instrument": "BTC/USDT:USDT",
        "sell_exchange": "bybit",
        "sell_instrument": "BTC/USDT:USDT",
        "opened_at": closed_at - timedelta(seconds=20),
        "closed_at": closed_at,
        "last_seen_at": closed_at,
        "duration_ms": 20_000,
        "close_reason": "spread",
        "open_net_spread_pct": Decimal("0.1"),
        "peak_net_spread_pct": Decimal("0.2"),
        "peak_gross_spread_pct": Decimal("0.3"),
        "peak_size_base": Decimal("1"),
        "peak_profit_quote": Decimal("1"),
        "peak_buy_price": Decimal("100"),
        "peak_sell_price": Decimal("101"),
        **overrides,
    }
    return Opportunity.objects.create(**fields)
