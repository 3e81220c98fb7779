"""The engine's live state in the cache, where web processes read it without touching the
engine: the latest quote per instrument and exchange, the open opportunities, the number of the
last update (`seq`) and when the engine last wrote (its heartbeat)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import msgspec
from django.core.cache import cache

from arbitrage.depth_levels import EncodedLevels
from arbitrage.messages import OpportunityMessage, QuoteMessage
from feeds.depth import Depth
from feeds.funding import Funding
from lib import clock
from lib.async_cache import aget, aget_many, aset_many

INDEX_KEY = "quotes:index"
SEQ_KEY = "live:seq"
HEARTBEAT_KEY = "live:written_ms"
logger = logging.getLogger(__name__)

QUOTE_TTL_S = 3600  # a quote nobody refreshes for an hour is gone, not shown forever
# The engine writes at least every 2 s (engine.LIVE_STATE_REFRESH_S); silent longer than this,
# it is taken as stopped and its open opportunities are no longer served.
ENGINE_SILENT_AFTER_MS = 10_000


def quotes_key(instrument: str) -> str:
    return f"quotes:{instrument}"


async def write_live_state(
    seq: int,
    rows: dict[str, dict[str, str]],
    index: list[str] | None = None,
    open_opportunities: dict[str, CachedOpportunity] | None = None,
    open_levels: dict[str, EncodedLevels] | None = None,
) -> None:
    """In one atomic write: `rows` (instrument -> exchange -> quote JSON) that changed, the
    instrument index and the open opportunities (with the levels their depth walked) when
    given, the update's `seq`, the heartbeat."""
    values: dict[str, object] = {quotes_key(instrument): row for instrument, row in rows.items()}
    if index is not None:
        values[INDEX_KEY] = index
    if open_opportunities is not None:
        values[OPPORTUNITIES_KEY] = open_opportunities
        values[OPPORTUNITY_LEVELS_KEY] = open_levels or {}
    values[SEQ_KEY] = seq
    values[HEARTBEAT_KEY] = clock.now_ms()
    await aset_many(values, QUOTE_TTL_S)


def engine_alive(written_ms: int | None, now_ms: int | None = None) -> bool:
    now_ms = clock.now_ms() if now_ms is None else now_ms
    return written_ms is not None and now_ms - written_ms <= ENGINE_SILENT_AFTER_MS


def quoted_instruments() -> list[str]:
    """Every instrument the engine quotes (its index), the whole universe, not only what pages show."""
    return cache.get(INDEX_KEY) or []


def _quote_rows(instruments: list[str] | None) -> dict[str, dict[str, str]]:
    """instrument -> exchange -> quote JSON, in the order asked (the index's by default)."""
    if instruments is None:
        instruments = quoted_instruments()
    found = cache.get_many([quotes_key(instrument) for instrument in instruments])
    return {instrument: row for instrument in instruments if (row := found.get(quotes_key(instrument)))}


def read_quotes(instruments: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """instrument -> exchange -> quote fields (QuoteMessage as a dict), for what is passed on
    as the cache holds it (the quotes of `/api/prices`); computing callers read
    `read_quote_messages`."""
    return {
        instrument: {exchange: msgspec.json.decode(text) for exchange, text in sorted(row.items())}
        for instrument, row in _quote_rows(instruments).items()
    }


_quote_decoder = msgspec.json.Decoder(QuoteMessage)


def decode_quote_row(row: dict[str, str]) -> dict[str, QuoteMessage]:
    """exchange -> quote JSON as typed quotes, exchanges sorted; prices exact, as Decimals."""
    return {exchange: _quote_decoder.decode(text) for exchange, text in sorted(row.items())}


def read_quote_messages(instruments: list[str] | None = None) -> dict[str, dict[str, QuoteMessage]]:
    """instrument -> exchange -> the latest quote, typed: what best prices and spreads are computed from."""
    return {instrument: decode_quote_row(row) for instrument, row in _quote_rows(instruments).items()}


async def aread_quote_rows() -> dict[str, dict[str, str]]:
    """instrument -> exchange -> quote JSON, undecoded, in the index's order, from async code."""
    instruments = await aget(INDEX_KEY) or []
    found = await aget_many([quotes_key(instrument) for instrument in instruments])
    return {instrument: row for instrument in instruments if (row := found.get(quotes_key(instrument)))}


OPPORTUNITIES_KEY = "opportunities:open"
# opportunity id -> the levels its depth walked (arbitrage.depth_levels), for the open ones
# with depth: written with the open opportunities, so the two always agree.
OPPORTUNITY_LEVELS_KEY = "opportunities:levels"

# An open opportunity in the cache: (buy instrument, sell instrument, its JSON).
CachedOpportunity = tuple[str, str, str]


_opportunity_decoder = msgspec.json.Decoder(OpportunityMessage)
undecodable_opportunities = 0  # cached opportunities dropped as unreadable, since the process started


def read_open_opportunities() -> list[OpportunityMessage]:
    """The running engine's open opportunities, typed; none when the engine has gone silent."""
    return read_open_opportunities_and_levels(levels=False)[0]


def read_open_opportunities_and_levels(
    levels: bool = True,
) -> tuple[list[OpportunityMessage], dict[str, EncodedLevels]]:
    """The running engine's open opportunities, typed, and, when asked, the levels their depth
    walked (id -> levels); nothing when the engine has gone silent. One that does not decode
    (written by another version, say) is logged, counted and left out."""
    global undecodable_opportunities
    keys = [OPPORTUNITIES_KEY, HEARTBEAT_KEY, *([OPPORTUNITY_LEVELS_KEY] if levels else [])]
    found = cache.get_many(keys)
    if not engine_alive(found.get(HEARTBEAT_KEY)):
        return [], {}
    opportunities = []
    for _, _, text in (found.get(OPPORTUNITIES_KEY) or {}).values():
        try:
            opportunities.append(_opportunity_decoder.decode(text))
        except msgspec.DecodeError as exc:  # ValidationError is one
            undecodable_opportunities += 1
            logger.warning("cached opportunity left out: %s", exc)
    return opportunities, found.get(OPPORTUNITY_LEVELS_KEY) or {}


@dataclass(frozen=True)
class LiveSnapshot:
    """What a /ws connection starts from: JSON fragments, and the update they reflect."""

    seq: int
    quotes: list[str]
    opportunities: list[CachedOpportunity]
    levels: dict[str, EncodedLevels] = field(default_factory=dict)  # id -> walked levels, as cached


async def aread_snapshot(instruments: frozenset[str] | None = None, with_levels: bool = False) -> LiveSnapshot:
    """The cached quotes of `instruments` (None: all; empty: none) and every open opportunity
    (`with_levels`: and the levels their depth walked, for figures at a user's own fees), read at once."""
    names = sorted(instruments) if instruments is not None else (await aget(INDEX_KEY) or [])
    keys = [SEQ_KEY, HEARTBEAT_KEY, OPPORTUNITIES_KEY, *(quotes_key(name) for name in names)]
    if with_levels:
        keys.append(OPPORTUNITY_LEVELS_KEY)
    found = await aget_many(keys)
    quotes = [text for name in names if (row := found.get(quotes_key(name))) for text in row.values()]
    alive = engine_alive(found.get(HEARTBEAT_KEY))
    opportunities = [tuple(entry) for entry in (found.get(OPPORTUNITIES_KEY) or {}).values()] if alive else []
    levels = (found.get(OPPORTUNITY_LEVELS_KEY) or {}) if alive else {}
    return LiveSnapshot(found.get(SEQ_KEY) or 0, quotes, opportunities, levels)


SPREAD_HISTORY_TTL_S = 60


def spread_history_key(group: str) -> str:
    return f"spreads:{group}"


async def write_spread_histories(histories: dict[str, dict[str, list]]) -> None:
    """group -> {"best": [(ms, best net spread %)], "pairs": [(ms, {pair: net spread %})]}, for
    the markets someone is looking at (arbitrage.spread_charts)."""
    await aset_many({spread_history_key(group): points for group, points in histories.items()}, SPREAD_HISTORY_TTL_S)


def read_chart_history(group: str) -> tuple[list[tuple[int, float]], list[tuple[int, dict[str, float]]]]:
    """A market's best net spread history and its best pairs' ([] when nobody charted it)."""
    found = cache.get(spread_history_key(group)) or {}
    if isinstance(found, list):  # as an engine of the previous version writes it: the best only
        return [tuple(point) for point in found], []
    return [tuple(point) for point in found.get("best", [])], [tuple(point) for point in found.get("pairs", [])]


def read_spread_history(group: str) -> list[tuple[int, float]]:
    return read_chart_history(group)[0]


FUNDING_INDEX_KEY = "funding:index"
# Funding is polled every half minute or so; a record nobody refreshed for an hour is gone.
FUNDING_TTL_S = 3600
_funding_decoder = msgspec.json.Decoder(Funding)


def funding_key(instrument: str) -> str:
    return f"funding:{instrument}"


async def write_funding(rows: dict[str, dict[str, str]], index: list[str]) -> None:
    """`rows` (instrument -> exchange -> funding JSON) that changed, and every instrument with funding."""
    values: dict[str, object] = {funding_key(instrument): row for instrument, row in rows.items()}
    values[FUNDING_INDEX_KEY] = index
    await aset_many(values, FUNDING_TTL_S)


def encode_funding_row(record: Funding) -> str:
    return msgspec.json.encode(record).decode()


def read_funding(instruments: list[str] | None = None) -> dict[str, dict[str, Funding]]:
    """instrument -> exchange -> the latest Funding record."""
    if instruments is None:
        instruments = cache.get(FUNDING_INDEX_KEY) or []
    found = cache.get_many([funding_key(instrument) for instrument in instruments])
    return {
        instrument: {exchange: _funding_decoder.decode(text) for exchange, text in sorted(row.items())}
        for instrument in instruments
        if (row := found.get(funding_key(instrument)))
    }


# Each leg's latest book of levels (feeds.depth.Depth), one key per exchange and instrument,
# msgpack as it travels the layer. A book counts only while as fresh as a quote (seconds), so
# the expiry only clears the legs whose depth stopped coming (unsubscribed, disconnected).
DEPTH_TTL_S = 60
_depth_encoder = msgspec.msgpack.Encoder()
_depth_decoder = msgspec.msgpack.Decoder(Depth)


def depth_key(exchange: str, instrument: str) -> str:
    return f"depth:{exchange}:{instrument}"


async def write_depth(records: list[Depth]) -> None:
    """The latest book of each leg in `records` (one record per leg)."""
    values = {depth_key(record.exchange, record.instrument): _depth_encoder.encode(record) for record in records}
    await aset_many(values, DEPTH_TTL_S)


def read_depth(legs: list[tuple[str, str]]) -> dict[tuple[str, str], Depth]:
    """(exchange, instrument) -> its latest cached book, for the legs that have one."""
    found = cache.get_many([depth_key(exchange, instrument) for exchange, instrument in legs])
    return {
        (exchange, instrument): _depth_decoder.decode(raw)
        for exchange, instrument in legs
        if (raw := found.get(depth_key(exchange, instrument))) is not None
    }
