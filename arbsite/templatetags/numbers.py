"""Template filters over lib.numbers: the pages write numbers one way, server- and client-side
(static/js/format.js).

    {{ quote.bid|price:row.price_decimals }}  {{ o.size_base|size:"BTC" }}
    {{ o.net_spread_pct|pct }} {{ o.net_spread_pct|bps }}  {{ o.profit_quote|money:"USDT" }}
    {{ h.duration_ms|duration }}
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from lib import numbers

register = template.Library()


@register.filter
def price(value: object, decimals: int | None = None) -> str:
    return numbers.format_price(value, None if decimals in (None, "") else int(decimals))


@register.filter
def size(value: object, coin: str = "") -> str:
    return numbers.format_size(value, coin)


@register.filter
def pct(value: object, decimals: int = numbers.PCT_DECIMALS) -> str:
    return numbers.format_pct(value, int(decimals))


@register.filter
def bps(value: object) -> str:
    return numbers.format_bps(value)


@register.filter
def money(value: object, currency: str = "") -> str:
    return numbers.format_money(value, currency)


@register.filter
def duration(ms: object) -> str:
    return numbers.format_duration(ms)


@register.filter(name="plain")
def plain_decimal(value: object) -> object:
    """A stored amount as typed: 2315.200000000000 -> 2315.2, 10000.000000000000 -> 10000."""
    return numbers.plain(value) if isinstance(value, Decimal) else value
