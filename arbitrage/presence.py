"""Who watches the live feed right now: one entry per web process, summing up its /ws connections.

Each web process's fan-out (arbitrage.fanout) puts its entry when its connections change and
refreshes it every few seconds; the entry expires on its own (PRESENCE_TTL_S), so a crashed
process cleans up after itself. The engine reads the entries to leave out of its updates
what nobody watches. In scale-out the registry is in Redis, shared by every web process and
the engine; embedded, it is this process's memory.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass

import redis.asyncio as aioredis
from django.conf import settings

PRESENCE_TTL_S = 30
REDIS_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Watchers:
    """One web process's /ws connections."""

    channel: str  # the process's fan-out channel
    connections: int
    user_ids: list[int]
    everything: bool  # some connection watches every instrument
    instruments: list[str]  # instruments some connection chose by name
    updated_ms: int
    # Some connection takes every opportunity, whatever its quotes (arbitrage.subscriptions).
    # Last, with a default: an entry written by a process of the previous version still reads.
    all_opportunities: bool = False
    # Instruments chosen with their own opportunities (an instrument page, a bot): the markets
    # whose spreads are charted. None in an entry of the previous version: `instruments`.
    charted: list[str] | None = None


class _LocalRegistry:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[float, Watchers]] = {}

    async def put(self, watchers: Watchers) -> None:
        self.entries[watchers.channel] = (time.time() + PRESENCE_TTL_S, watchers)

    async def remove(self, channel: str) -> None:
        self.entries.pop(channel, None)

    async def active(self) -> list[Watchers]:
        now = time.time()
        for channel in [c for c, (expires, _) in self.entries.items() if expires < now]:
            del self.entries[channel]
        return [watchers for _, watchers in self.entries.values()]


class _RedisRegistry:
    """A sorted set of fan-out channels scored by expiry, plus one expiring key per entry."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.index_key = f"{prefix}:ws:active"
        self.entry_prefix = f"{prefix}:ws:watchers:"
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}

    def _client(self) -> aioredis.Redis:
        # redis.asyncio connections belong to the loop that made them. A blocking pool waits
        # for a free connection instead of raising when callers outnumber it.
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=4, timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
            )
            client = self._clients[loop] = aioredis.Redis(connection_pool=pool)
        return client

    async def put(self, watchers: Watchers) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zadd(self.index_key, {watchers.channel: time.time() + PRESENCE_TTL_S})
            pipe.set(self.entry_prefix + watchers.channel, json.dumps(asdict(watchers)), ex=PRESENCE_TTL_S)
            await pipe.execute()

    async def remove(self, channel: str) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zrem(self.index_key, channel)
            pipe.delete(self.entry_prefix + channel)
            await pipe.execute()

    async def active(self) -> list[Watchers]:
        client = self._client()
        await client.zremrangebyscore(self.index_key, "-inf", time.time())
        channels = [c.decode() for c in await client.zrange(self.index_key, 0, -1)]
        if not channels:
            return []
        found = await client.mget([self.entry_prefix + channel for channel in channels])
        return [Watchers(**json.loads(raw)) for raw in found if raw]


_registry: _LocalRegistry | _RedisRegistry | None = None


def registry() -> _LocalRegistry | _RedisRegistry:
    global _registry
    if _registry is None:
        _registry = (
            _RedisRegistry(settings.REDIS_URL, settings.REDIS_PREFIX) if settings.REDIS_URL else _LocalRegistry()
        )
    return _registry


def explicitly_watched(entries: list[Watchers]) -> set[str]:
    """Instruments some connection chose by name with their opportunities (an instrument page,
    a bot's subscription), not only for their quotes (the Prices page's rows)."""
    return {
        instrument
        for entry in entries
        for instrument in (entry.charted if entry.charted is not None else entry.instruments)
    }


def watched_union(entries: list[Watchers]) -> set[str] | None:
    """Every instrument whose quotes someone watches; None when someone watches everything (or
    nobody is connected yet, so the first connection's updates are complete)."""
    if not entries or any(entry.everything for entry in entries):
        return None
    return {instrument for entry in entries for instrument in entry.instruments}


def opportunities_watched(entries: list[Watchers]) -> set[str] | None:
    """The instruments whose opportunities someone takes; None when someone takes them all (or
    nobody is connected yet)."""
    if any(entry.all_opportunities for entry in entries):
        return None
    return watched_union(entries)
