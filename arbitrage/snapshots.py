"""/ws snapshots, read from the cache once per subscription however many connections ask.

A resync of every connection (after an outage, a gap in updates, an engine restart) had each
one read the cache. Measured at 2,500 connections on one web process, that was 2,500
concurrent reads against a Redis pool of 32 connections: reads waited past the pool's 2 s,
failed, looked like an outage, and resynced everyone again (101 outages logged in 20 s).
Here the connections that watch the same instruments and opportunities (at the same fees: a user's own, see
arbitrage/fee_tables.py) share one read in flight, and the one just made (for SHARED_FOR_S)
when it is as new as they need; its messages are encoded, framed and compressed once.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from arbitrage.fee_tables import FeeView
from arbitrage.messages import snapshot_pages
from arbitrage.quote_cache import aread_snapshot
from arbitrage.socket_writer import SharedMessages
from arbitrage.subscriptions import OF_INSTRUMENTS, OpportunitiesMode, every_quote, wants_opportunity

SHARED_FOR_S = 0.25


@dataclass(frozen=True)
class SnapshotTexts:
    seq: int  # the engine update it reflects
    pages: SharedMessages  # ready to send

    @property
    def texts(self) -> list[str]:
        return self.pages.texts


Subscription = tuple[frozenset[str], OpportunitiesMode, FeeView | None]


class SnapshotReader:
    def __init__(self) -> None:
        self._reads: dict[Subscription, asyncio.Future] = {}
        self._made: dict[Subscription, tuple[float, SnapshotTexts]] = {}

    async def read(
        self,
        instruments: frozenset[str],
        min_seq: int = 0,
        fees: FeeView | None = None,
        opportunities: OpportunitiesMode = OF_INSTRUMENTS,
    ) -> SnapshotTexts:
        """What a subscription (`instruments` and `opportunities`, arbitrage.subscriptions) sees
        in the cache, at `fees` (None: the engine's): a read made within SHARED_FOR_S that
        reflects `min_seq` or later, else the read in flight, else a new one. Only the
        subscribed quotes are read: a connection of a few instruments and every opportunity
        costs a few rows, however many instruments are watched."""
        loop = asyncio.get_running_loop()
        key = (instruments, opportunities, fees)
        made = self._made.get(key)
        if made is not None and loop.time() - made[0] < SHARED_FOR_S and made[1].seq >= min_seq:
            return made[1]
        future = self._reads.get(key)
        if future is None:
            future = self._reads[key] = asyncio.ensure_future(self._read(key))
            future.add_done_callback(lambda _: self._reads.pop(key, None))
        # One reader leaving (its connection closed) must not cancel the read for the others.
        return await asyncio.shield(future)

    async def _read(self, key: Subscription) -> SnapshotTexts:
        instruments, mode, fees = key
        quoted = None if every_quote(instruments, mode) else instruments
        snapshot = await aread_snapshot(quoted, with_levels=fees is not None)
        opportunities = [
            text for buy, sell, text in snapshot.opportunities if wants_opportunity(instruments, mode, buy, sell)
        ]
        if fees is not None:
            opportunities = [fees.text(text, snapshot.levels) for text in opportunities]
        made = SnapshotTexts(snapshot.seq, SharedMessages(snapshot_pages(snapshot.seq, snapshot.quotes, opportunities)))
        now = asyncio.get_running_loop().time()
        self._made = {made_key: entry for made_key, entry in self._made.items() if now - entry[0] < SHARED_FOR_S}
        self._made[key] = (now, made)
        return made


_readers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SnapshotReader] = weakref.WeakKeyDictionary()


def snapshot_reader() -> SnapshotReader:
    """The running event loop's reader (one per process in practice)."""
    loop = asyncio.get_running_loop()
    reader = _readers.get(loop)
    if reader is None:
        reader = _readers[loop] = SnapshotReader()
    return reader
