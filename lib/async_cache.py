"""Django's cache from async code, without a thread per call.

Django's async cache methods (`aget`, `aget_many`, ...) run the sync ones in a worker thread,
and under Django's ASGI handler that is a new thread per request; `aset_many` and `aget_many`
are worse: a thread hop and a Redis round trip for every key. Here the Redis backend is
reached with the process's asyncio client, using the keys and encoding of Django's RedisCache
(a value written with `cache.set` reads back here, a counter counted here reads back with
`cache.get`); the in-memory backend is called directly, since it never blocks.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisSerializer

from lib.redis_clients import async_client

_serializer = RedisSerializer()


def _redis():
    return async_client(settings.CACHES["default"]["LOCATION"])


async def aget_many(keys: list[str]) -> dict[str, Any]:
    """The keys present, with their values, as `cache.get_many` answers."""
    if not keys:
        return {}
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        raw_keys = [backend.make_and_validate_key(key) for key in keys]
        values = await _redis().mget(raw_keys)
        return {key: _serializer.loads(value) for key, value in zip(keys, values, strict=True) if value is not None}
    if isinstance(backend, LocMemCache):
        return backend.get_many(keys)
    return await backend.aget_many(keys)


async def aset_many(values: dict[str, Any], timeout_s: int) -> None:
    """Set every key, expiring `timeout_s` later, as `cache.set_many` does: with Redis in one
    MULTI/EXEC round trip (so a reader sees all of them or none), not key by key."""
    if not values:
        return
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        async with _redis().pipeline(transaction=True) as pipe:
            for key, value in values.items():
                pipe.set(backend.make_and_validate_key(key), _serializer.dumps(value), ex=timeout_s)
            await pipe.execute()
    elif isinstance(backend, LocMemCache):
        backend.set_many(values, timeout=timeout_s)
    else:
        await sync_to_async(backend.set_many)(values, timeout=timeout_s)


async def aget(key: str, default: Any = None) -> Any:
    return (await aget_many([key])).get(key, default)


async def aadd_and_read(increments: dict[str, tuple[int, int]], keys: list[str]) -> dict[str, Any]:
    """Add to counters (`key -> (amount, timeout_s)`: created at 0 expiring `timeout_s` later),
    then read `keys` as `aget_many` does; in one round trip to Redis."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        async with _redis().pipeline(transaction=False) as pipe:
            for key, (amount, timeout_s) in increments.items():
                raw_key = backend.make_and_validate_key(key)
                pipe.set(raw_key, 0, ex=timeout_s, nx=True).incrby(raw_key, amount)
            pipe.mget([backend.make_and_validate_key(key) for key in keys])
            values = (await pipe.execute())[-1]
        return {key: _serializer.loads(value) for key, value in zip(keys, values, strict=True) if value is not None}
    if isinstance(backend, LocMemCache):
        return _add_and_read(increments, keys)
    return await sync_to_async(_add_and_read)(increments, keys)


def _add_and_read(increments: dict[str, tuple[int, int]], keys: list[str]) -> dict[str, Any]:
    for key, (amount, timeout_s) in increments.items():
        incr_counter(key, timeout_s, amount)
    return caches["default"].get_many(keys)


def incr_counter(key: str, timeout_s: int, amount: int = 1) -> int:
    """Add to the counter at `key` (created at 0, expiring `timeout_s` after that), from sync code."""
    backend = caches["default"]
    if backend.add(key, amount, timeout=timeout_s):
        return amount
    try:
        return backend.incr(key, amount)
    except ValueError:  # expired between add and incr
        backend.add(key, amount, timeout=timeout_s)
        return amount
