"""Template filters over lib.numbers: the pages write numbers one way, server- and client-side
(static/js/format.js).

    {{ quote.bid|price:row.price_decimals }}  {{ o.size_base|size:"BTC" }}  {{ o.size_base|size:group }}
    {{ o.net_spread_pct|pct }} {{ o.net_spread_pct|bps }}  {{ o.profit_quote|money:"USDT" }}
    {{ h.duration_ms|duration }}
    {% instrument_price p.entry_price p.instrument %}  {% instrument_size p.size_base p.instrument %}

The two tags read the page's `price_decimals` (arbitrage.queries.price_decimals) for the
instrument's tick and lot, where a row of mixed instruments carries no decimals of its own.
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
def size(value: object, units: object = "") -> str:
    """`units`: a coin ("BTC"), or what knows its coin and lot (`coin` and `size_decimals`, as an
    opportunity group, a history row or a near miss does), to round down to the lot."""
    if isinstance(units, str):
        return numbers.format_size(value, units)
    read = units.get if isinstance(units, dict) else lambda name: getattr(units, name, None)
    return numbers.format_size(value, read("coin") or "", read("size_decimals"))


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


@register.simple_tag(takes_context=True)
def instrument_price(context, value: object, instrument: str) -> str:
    """A price of `instrument` at its tick."""
    decimals = (context.get("price_decimals") or {}).get("instruments", {})
    return numbers.format_price(value, decimals.get(instrument))


@register.simple_tag(takes_context=True)
def instrument_size(context, value: object, instrument: str) -> str:
    """A size of `instrument` in its base units, rounded down to its lot."""
    decimals = (context.get("price_decimals") or {}).get("size_instruments", {})
    return numbers.format_size(value, instrument.partition("/")[0], decimals.get(instrument))
