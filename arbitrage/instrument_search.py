"""Finding instruments by what a trader types: "pepe", "WIF", "BTC/USD".

The Prices page shows the watched instruments and the majors, yet its filter must find any
instrument the engine quotes (with every listed perpetual watched, thousands). The page asks the
server (arbitrage.views.price_search), which matches the cached instrument index here.

A name matches when the query, case aside, is in its canonical name (`1000PEPE/USDT:USDT`);
matches rank exact first (the base, its coin without the multiplier, or the whole name:
`PEPE` finds `PEPE/USDT:USDT` and `1000PEPE/USDT:USDT`), then prefix (of the base, the coin or
the name: `PE`, `BTC/USD`), then substring (`EPE`); within a rank, the earlier the query stands
in the name, then the shorter the base, then by name. An exchange's own symbol is resolved by
the caller (feeds.symbols, from the instrument lists) and ranks first. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from feeds.types import split_multiplier

MatchKind = Literal["exact", "prefix", "substring"]
_KINDS: tuple[MatchKind, ...] = ("exact", "prefix", "substring")
MAX_QUERY_CHARS = 64  # longer than any canonical name: a longer query can match nothing


@dataclass(frozen=True, slots=True)
class Match:
    instrument: str  # canonical
    base: str  # `1000PEPE`
    kind: MatchKind


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str  # as matched: trimmed, upper case
    matches: list[Match]  # the best `limit`, best first
    count: int  # every instrument that matched, shown or not

    @property
    def more(self) -> int:
        """How many matched beyond those returned."""
        return self.count - len(self.matches)


def normalise_query(query: str) -> str:
    return query.strip().upper()[:MAX_QUERY_CHARS]


def match_rank(instrument: str, query: str) -> tuple[int, int, int] | None:
    """(rank: 0 exact, 1 prefix, 2 substring; where the query starts in the name; the base's
    length) of `instrument` for a normalised `query`, or None when it does not match."""
    name = instrument.upper()
    at = name.find(query)
    if at < 0:
        return None
    base = name.partition("/")[0]
    coin = split_multiplier(base)[0]
    if query in (base, coin, name):
        rank = 0
    elif base.startswith(query) or coin.startswith(query) or at == 0:
        rank = 1
    else:
        rank = 2
    return rank, at, len(base)


def search_instruments(
    instruments: Iterable[str], query: str, limit: int = 50, named: str | None = None
) -> SearchResult:
    """The instruments among `instruments` that `query` matches, best first, at most `limit` of
    them, and how many matched in all. An empty query matches nothing. `named`: the instrument
    the query names in another form (an exchange's own symbol, `PEPEUSDT`, or the URL-safe
    `BTC-USDT-USDT`), resolved by the caller: an exact match, first, when it is quoted."""
    query = normalise_query(query)
    if not query:
        return SearchResult(query, [], 0)
    ranked = []
    for instrument in set(instruments):
        rank = (0, -1, 0) if instrument == named else match_rank(instrument, query)
        if rank is not None:
            ranked.append((rank, instrument))
    ranked.sort()
    matches = [
        Match(instrument, instrument.partition("/")[0], _KINDS[rank[0]]) for rank, instrument in ranked[: max(limit, 0)]
    ]
    return SearchResult(query, matches, len(ranked))
