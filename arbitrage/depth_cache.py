"""The engine's latest book of each leg, written to the cache for those who fill against it
(paper executions read it with arbitrage.quote_cache.read_depth, as they read quotes).

The engine hands over every depth batch it receives (`note`); what changed is written at most
every DEPTH_WRITE_S, the latest per leg winning, so a burst of books costs one cache write.
Books arrive at most every feeds.publish.DEPTH_FLUSH_S per feed, so writing at that pace
keeps the cached book no further behind the engine's than the engine is behind the feed.
"""

from __future__ import annotations

import asyncio

from redis.exceptions import RedisError

from arbitrage.quote_cache import write_depth
from feeds.depth import Depth
from lib.service_watch import ServiceWatch

DEPTH_WRITE_S = 0.1


class DepthCacheWriter:
    def __init__(self, redis: ServiceWatch) -> None:
        self.redis = redis
        self.pending: dict[tuple[str, str], Depth] = {}  # (exchange, instrument) -> latest unwritten

    def note(self, records: list[Depth]) -> None:
        pending = self.pending
        for record in records:
            pending[record.exchange, record.instrument] = record

    async def write(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, {}
        try:
            await write_depth(list(batch.values()))
        except (RedisError, OSError) as exc:
            self.pending = {**batch, **self.pending}  # written with the next round, under anything newer
            self.redis.failed(exc, "depth not written to the cache, retrying")

    async def write_forever(self) -> None:
        while True:
            await asyncio.sleep(DEPTH_WRITE_S)
            await self.write()
