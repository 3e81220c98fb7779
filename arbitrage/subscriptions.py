"""What one /ws connection asked for: quotes of some instruments, and which opportunities.

With every listed perpetual watched (~2,000 books, ~3,500 quotes/s) a page cannot take every
quote, yet the Opportunities page and the dashboard want every opportunity. So the two are
chosen apart: `opportunities` is

- `instruments` (what a connection has until it says otherwise): the opportunities of its
  subscribed instruments, and with no instruments at all, every quote and every opportunity
  (the seed's behaviour for a client that subscribes to nothing);
- `all`: every opportunity, and the quotes of the subscribed instruments only (none if none);
- `none`: no opportunity, and the quotes of the subscribed instruments only (none if none).

A page names its subscription in the /ws URL (`from_query`) so that even its first snapshot
holds only what it shows; a program may send `subscribe` messages instead.

Pure: the fan-out (arbitrage.fanout), the snapshots (arbitrage.snapshots) and the presence
registry (arbitrage.presence) ask the same questions here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal
from urllib.parse import parse_qs

OpportunitiesMode = Literal["instruments", "all", "none"]
OF_INSTRUMENTS: OpportunitiesMode = "instruments"
ALL: OpportunitiesMode = "all"
NONE: OpportunitiesMode = "none"


def every_quote(instruments: Collection[str], opportunities: OpportunitiesMode) -> bool:
    """Whether the connection takes every instrument's quotes (the seed's empty subscription)."""
    return not instruments and opportunities == OF_INSTRUMENTS


def every_opportunity(instruments: Collection[str], opportunities: OpportunitiesMode) -> bool:
    return opportunities == ALL or every_quote(instruments, opportunities)


def wants_quote(instruments: Collection[str], opportunities: OpportunitiesMode, instrument: str) -> bool:
    return instrument in instruments or every_quote(instruments, opportunities)


def wants_opportunity(
    instruments: Collection[str], opportunities: OpportunitiesMode, buy_instrument: str, sell_instrument: str
) -> bool:
    if opportunities == NONE:
        return False
    if every_opportunity(instruments, opportunities):
        return True
    return buy_instrument in instruments or sell_instrument in instruments


MODES: tuple[OpportunitiesMode, ...] = (OF_INSTRUMENTS, ALL, NONE)


def from_query(query_string: bytes) -> tuple[list[str], OpportunitiesMode | None, str | None]:
    """A subscription named in the /ws URL (`?instruments=A,B&opportunities=all`), so that a
    page's very first snapshot is already bounded: (instrument names as given, the mode or None
    when not named, what was wrong with the mode)."""
    query = parse_qs(query_string.decode("latin-1"))
    names = [name.strip() for value in query.get("instruments", ()) for name in value.split(",") if name.strip()]
    given = query.get("opportunities")
    if not given:
        return names, None, None
    mode = given[-1]
    if mode not in MODES:
        return names, None, f"opportunities must be one of {', '.join(MODES)}, not {mode[:32]!r}"
    return names, mode, None
