"""The latest quote per instrument and exchange, in the cache, where web processes read it
without touching the engine."""

from __future__ import annotations

import msgspec
from django.core.cache import cache

from arbsite.async_cache import aget, aget_many

INDEX_KEY = "quotes:index"
QUOTE_TTL_S = 3600  # a quote nobody refreshes for an hour is gone, not shown forever


def quotes_key(instrument: str) -> str:
    return f"quotes:{instrument}"


async def write_quotes(rows: dict[str, dict[str, str]], index: list[str] | None) -> None:
    """`rows`: instrument -> exchange -> quote JSON. `index`: every instrument, when it grew."""
    values: dict[str, object] = {quotes_key(instrument): row for instrument, row in rows.items()}
    if index is not None:
        values[INDEX_KEY] = index
    await cache.aset_many(values, timeout=QUOTE_TTL_S)


def read_quotes(instruments: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """instrument -> exchange -> quote fields (QuoteMessage as a dict)."""
    if instruments is None:
        instruments = cache.get(INDEX_KEY) or []
    found = cache.get_many([quotes_key(instrument) for instrument in instruments])
    return {
        instrument: {exchange: msgspec.json.decode(text) for exchange, text in sorted(row.items())}
        for instrument in instruments
        if (row := found.get(quotes_key(instrument)))
    }


async def aread_quote_rows() -> dict[str, dict[str, str]]:
    """instrument -> exchange -> quote JSON, undecoded, in the index's order, from async code."""
    instruments = await aget(INDEX_KEY) or []
    found = await aget_many([quotes_key(instrument) for instrument in instruments])
    return {instrument: row for instrument in instruments if (row := found.get(quotes_key(instrument)))}


async def aread_quote_fragments(instruments: list[str] | None = None) -> list[str]:
    """Every cached quote's JSON, for the snapshot a new /ws connection starts from."""
    if not instruments:
        instruments = await cache.aget(INDEX_KEY) or []
    found = await cache.aget_many([quotes_key(instrument) for instrument in instruments])
    return [text for row in found.values() for text in row.values()]


OPPORTUNITIES_KEY = "opportunities:open"

# An open opportunity in the cache: (buy instrument, sell instrument, its JSON).
CachedOpportunity = tuple[str, str, str]


async def write_open_opportunities(entries: dict[str, CachedOpportunity]) -> None:
    """Every open opportunity by id; replaced whole on each change."""
    await cache.aset(OPPORTUNITIES_KEY, entries, timeout=QUOTE_TTL_S)


def read_open_opportunities() -> list[dict]:
    return [msgspec.json.decode(text) for _, _, text in (cache.get(OPPORTUNITIES_KEY) or {}).values()]


async def aread_open_opportunities() -> list[CachedOpportunity]:
    return [tuple(entry) for entry in (await cache.aget(OPPORTUNITIES_KEY) or {}).values()]


SPREAD_HISTORY_TTL_S = 60


def spread_history_key(group: str) -> str:
    return f"spreads:{group}"


async def write_spread_histories(histories: dict[str, list[tuple[int, float]]]) -> None:
    """group -> [(ms, best net spread %)], for the markets someone is looking at."""
    await cache.aset_many(
        {spread_history_key(group): points for group, points in histories.items()}, timeout=SPREAD_HISTORY_TTL_S
    )


def read_spread_history(group: str) -> list[tuple[int, float]]:
    return [tuple(point) for point in cache.get(spread_history_key(group)) or []]
