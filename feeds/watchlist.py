"""What the feed workers subscribe to: the tracked instruments (Django admin, or imported from
a CSV/JSON file like the seed's symbols.csv), else settings.DEFAULT_WATCHED_INSTRUMENTS.
`*` (EVERY_INSTRUMENT), in either, is every perpetual each exchange lists, within the number
of connections the exchange allows a client."""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from feeds.exchanges import EXCHANGE_IDS
from feeds.exchanges.base import Connector
from feeds.models import TrackedInstrument
from feeds.types import Instrument

logger = logging.getLogger(__name__)

EVERY_INSTRUMENT = "*"


@dataclass(frozen=True)
class Watchlist:
    instruments: frozenset[str] = frozenset()  # canonical: on every exchange that lists it
    symbols: frozenset[tuple[str, str]] = frozenset()  # (exchange, its own symbol)
    everything: bool = False  # every listed perpetual

    def select(self, listed: list[Instrument], disabled: set[str]) -> dict[str, Instrument]:
        """The listed instruments to subscribe to, keyed by the exchange's symbol, in the
        exchange's own order."""
        return {
            item.symbol: item
            for item in listed
            if item.symbol not in disabled
            and (self.everything or item.instrument in self.instruments or (item.exchange, item.symbol) in self.symbols)
        }


def within_connection_limits(
    connector: Connector, chosen: dict[str, Instrument], preferred: frozenset[str] = frozenset()
) -> dict[str, Instrument]:
    """`chosen`, cut to as many as the connections an exchange allows a client can carry, one kept
    for depth where the exchange has it (Phemex: 4 × 20): the `preferred` instruments first (the
    majors), then in the exchange's own list order, which puts the longest-listed first. What is
    left out is logged."""
    if connector.max_connections is None:
        return chosen
    connections = connector.max_connections - (1 if connector.has_depth else 0)
    room = connections * connector.max_symbols_per_connection
    if len(chosen) <= room:
        return chosen
    ranked = sorted(chosen, key=lambda symbol: chosen[symbol].instrument not in preferred)  # stable
    kept = {symbol: chosen[symbol] for symbol in ranked[:room]}
    logger.warning(
        "%s: watching %d of %d instruments: %d connections of %d (of the %d it allows a client, one for depth)",
        connector.id,
        room,
        len(chosen),
        connections,
        connector.max_symbols_per_connection,
        connector.max_connections,
    )
    return kept


@dataclass(frozen=True)
class Entry:
    instrument: str = ""
    exchange: str = ""
    symbol: str = ""


@dataclass
class ImportResult:
    added: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)


def current_watchlist() -> Watchlist:
    rows = list(TrackedInstrument.objects.filter(enabled=True).values_list("instrument", "exchange", "symbol"))
    if not rows:
        default = frozenset(settings.DEFAULT_WATCHED_INSTRUMENTS)
        return Watchlist(instruments=default - {EVERY_INSTRUMENT}, everything=EVERY_INSTRUMENT in default)
    instruments = frozenset(instrument for instrument, _, _ in rows if instrument)
    return Watchlist(
        instruments=instruments - {EVERY_INSTRUMENT},
        symbols=frozenset((exchange, symbol) for instrument, exchange, symbol in rows if not instrument),
        everything=EVERY_INSTRUMENT in instruments,
    )


def parse_watchlist(text: str, filename: str) -> tuple[list[Entry], list[str]]:
    """Entries and per-row errors of a CSV (columns `exchange,symbol` and/or `instrument`) or a
    JSON list of objects with the same keys (also accepted under a top-level "symbols" key)."""
    if filename.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            return [], [f"not JSON: {exc}"]
        rows = data.get("symbols") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            return [], ['expected a list of objects, or {"symbols": [...]}']
        numbered = list(enumerate(rows, start=1))
    else:
        numbered = list(enumerate(csv.DictReader(io.StringIO(text)), start=2))  # line 1 is the header
    entries, errors = [], []
    for line, row in numbered:
        if not isinstance(row, dict):
            errors.append(f"row {line}: expected an object")
            continue
        instrument = str(row.get("instrument") or "").strip()
        exchange = str(row.get("exchange") or "").strip().lower()
        symbol = str(row.get("symbol") or "").strip()
        if instrument == EVERY_INSTRUMENT or (instrument and "/" in instrument and ":" in instrument):
            entries.append(Entry(instrument=instrument))
        elif exchange and symbol:
            if exchange not in EXCHANGE_IDS:
                errors.append(f"row {line}: unknown exchange {exchange!r}")
                continue
            entries.append(Entry(exchange=exchange, symbol=symbol))
        else:
            errors.append(f"row {line}: needs `exchange` and `symbol`, or a canonical `instrument` like BTC/USDT:USDT")
    return entries, errors


@transaction.atomic
def import_watchlist(entries: list[Entry], *, replace: bool = False) -> ImportResult:
    result = ImportResult()
    if replace:
        TrackedInstrument.objects.all().delete()
    for entry in entries:
        try:
            with transaction.atomic():
                TrackedInstrument.objects.create(
                    instrument=entry.instrument, exchange=entry.exchange, symbol=entry.symbol
                )
            result.added += 1
        except IntegrityError:
            result.existing += 1
    return result
