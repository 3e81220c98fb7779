"""Who is connected to /ws right now, and what each connection watches.

Every /ws connection registers itself on connect, refreshes while alive and leaves on
disconnect; an entry also expires on its own (PRESENCE_TTL_S), so a crashed web process
cleans up after itself. In scale-out the registry is in Redis, shared by every web process
and the engine; embedded, it is this process's memory.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass

import redis.asyncio as aioredis
from django.conf import settings

PRESENCE_TTL_S = 90
REFRESH_S = 30


@dataclass(frozen=True)
class Connection:
    channel: str
    user_id: int
    username: str
    instruments: list[str]  # empty: everything
    connected_ms: int


class _LocalRegistry:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[float, Connection]] = {}

    async def put(self, connection: Connection) -> None:
        self.entries[connection.channel] = (time.time() + PRESENCE_TTL_S, connection)

    async def remove(self, channel: str) -> None:
        self.entries.pop(channel, None)

    async def active(self) -> list[Connection]:
        now = time.time()
        for channel in [c for c, (expires, _) in self.entries.items() if expires < now]:
            del self.entries[channel]
        return [connection for _, connection in self.entries.values()]


class _RedisRegistry:
    """A sorted set of channel names scored by expiry, plus one expiring key per connection."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.index_key = f"{prefix}:ws:active"
        self.entry_prefix = f"{prefix}:ws:conn:"
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}

    def _client(self) -> aioredis.Redis:
        # redis.asyncio connections belong to the loop that made them.
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = aioredis.Redis.from_url(self.url, socket_timeout=2)
        return client

    async def put(self, connection: Connection) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zadd(self.index_key, {connection.channel: time.time() + PRESENCE_TTL_S})
            pipe.set(self.entry_prefix + connection.channel, json.dumps(asdict(connection)), ex=PRESENCE_TTL_S)
            await pipe.execute()

    async def remove(self, channel: str) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zrem(self.index_key, channel)
            pipe.delete(self.entry_prefix + channel)
            await pipe.execute()

    async def active(self) -> list[Connection]:
        client = self._client()
        await client.zremrangebyscore(self.index_key, "-inf", time.time())
        channels = [c.decode() for c in await client.zrange(self.index_key, 0, -1)]
        if not channels:
            return []
        found = await client.mget([self.entry_prefix + channel for channel in channels])
        return [Connection(**json.loads(raw)) for raw in found if raw]


_registry: _LocalRegistry | _RedisRegistry | None = None


def registry() -> _LocalRegistry | _RedisRegistry:
    global _registry
    if _registry is None:
        _registry = (
            _RedisRegistry(settings.REDIS_URL, settings.REDIS_PREFIX) if settings.REDIS_URL else _LocalRegistry()
        )
    return _registry


def explicitly_watched(connections: list[Connection]) -> set[str]:
    """Instruments some connection chose by name (an instrument page, a bot's subscription)."""
    return {instrument for c in connections for instrument in c.instruments}


def watched_union(connections: list[Connection]) -> set[str] | None:
    """Every instrument someone watches; None when someone watches everything (or nobody is
    connected yet, so the cache stays complete for the first page load)."""
    if not connections or any(not c.instruments for c in connections):
        return None
    return {instrument for c in connections for instrument in c.instruments}
