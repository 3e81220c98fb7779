"""Snapshots read once per subscription, however many connections resync at once."""

from __future__ import annotations

import asyncio
import json

from arbitrage import snapshots
from arbitrage.quote_cache import LiveSnapshot
from arbitrage.snapshots import SnapshotReader


class CountingCache:
    """Stands in for aread_snapshot: counts reads; each waits for `gate` when set."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.reading = asyncio.Event()  # a read began

    async def read(self, instruments=None, with_levels=False) -> LiveSnapshot:
        self.reads += 1
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        quotes = [f'{{"instrument":"{name}"}}' for name in sorted(instruments or {"BTC/USDT:USDT", "ETH/USDT:USDT"})]
        opportunities = [
            ("BTC/USDT:USDT", "BTC/USDT:USDT", '{"id":"btc"}'),
            ("SOL/USDT:USDT", "SOL/USDT:USDT", '{"id":"sol"}'),
        ]
        return LiveSnapshot(self.seq, quotes, opportunities)


async def test_a_thousand_connections_resyncing_at_once_read_the_cache_once(monkeypatch):
    cache = CountingCache(seq=7)
    cache.gate = asyncio.Event()
    monkeypatch.setattr(snapshots, "aread_snapshot", cache.read)
    reader = SnapshotReader()

    waiting = [asyncio.ensure_future(reader.read(frozenset())) for _ in range(1000)]
    await asyncio.wait_for(cache.reading.wait(), 5)  # scheduled after all of them asked
    cache.gate.set()
    made = await asyncio.wait_for(asyncio.gather(*waiting), 5)

    assert cache.reads == 1
    assert all(snapshot is made[0] for snapshot in made)
    page = json.loads(made[0].texts[0])
    assert (page["seq"], page["pages"], len(page["data"]), len(page["opportunities"])) == (7, 1, 2, 2)


async def test_each_subscription_gets_its_own_instruments_and_opportunities(monkeypatch):
    cache = CountingCache(seq=7)
    monkeypatch.setattr(snapshots, "aread_snapshot", cache.read)
    reader = SnapshotReader()

    btc = await reader.read(frozenset({"BTC/USDT:USDT"}))
    everything = await reader.read(frozenset())

    assert json.loads(btc.texts[0])["opportunities"] == [{"id": "btc"}]
    assert len(json.loads(everything.texts[0])["opportunities"]) == 2
    assert cache.reads == 2


async def test_a_read_too_old_for_the_asker_is_made_again_and_one_asker_leaving_cancels_nothing(monkeypatch):
    cache = CountingCache(seq=7)
    monkeypatch.setattr(snapshots, "aread_snapshot", cache.read)
    reader = SnapshotReader()
    assert (await reader.read(frozenset())).seq == 7
    assert (await reader.read(frozenset(), min_seq=7)).seq == 7 and cache.reads == 1  # shared

    cache.seq = 9
    cache.gate = asyncio.Event()
    cache.reading.clear()
    leaving = asyncio.ensure_future(reader.read(frozenset(), min_seq=8))
    staying = asyncio.ensure_future(reader.read(frozenset(), min_seq=8))
    await asyncio.wait_for(cache.reading.wait(), 5)
    leaving.cancel()  # its connection closed mid-read
    cache.gate.set()

    assert (await asyncio.wait_for(staying, 5)).seq == 9
    assert cache.reads == 2
