"""One Redis connection pool per process, whoever asks: Django's cache, the async readers, /health.

Django builds a cache object, and with it a new connection pool, for every request context, so
each request opened a TCP connection to Redis. `SharedConnectionPool` (named in CACHES
OPTIONS) hands every cache object the same pool. Async code gets one `redis.asyncio` client
per event loop (its connections belong to that loop), bounded so a burst waits for a free
connection instead of opening hundreds.
"""

from __future__ import annotations

import asyncio
import threading
import weakref

import redis
import redis.asyncio
import redis.exceptions
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

# Redis answers in microseconds: a command that takes this long means it is gone or stuck.
SOCKET_TIMEOUT_S = 2.0
ASYNC_MAX_CONNECTIONS = 32


SYNC_MAX_CONNECTIONS = 64


class SharedConnectionPool(redis.BlockingConnectionPool):
    """The process's pool for a URL and options; beyond SYNC_MAX_CONNECTIONS a caller waits
    (up to SOCKET_TIMEOUT_S) for a connection to come back rather than failing at once."""

    _shared: dict[str, redis.BlockingConnectionPool] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs) -> redis.BlockingConnectionPool:
        key = f"{url} {sorted(kwargs.items(), key=repr)!r}"
        with cls._lock:
            pool = cls._shared.get(key)
            if pool is None:
                options = {"max_connections": SYNC_MAX_CONNECTIONS, "timeout": SOCKET_TIMEOUT_S, **kwargs}
                pool = cls._shared[key] = redis.BlockingConnectionPool.from_url(url, **options)
            return pool


_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, redis.asyncio.Redis]] = (
    weakref.WeakKeyDictionary()
)


def async_client(url: str | None = None) -> redis.asyncio.Redis:
    """The running event loop's client of `url` (settings.REDIS_URL by default)."""
    url = url or settings.REDIS_URL
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(url)
    if client is None:
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url,
            max_connections=ASYNC_MAX_CONNECTIONS,
            timeout=SOCKET_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            # After a Redis restart every pooled connection is dead: each is replaced on its
            # first use instead of failing that command (timeouts are not retried: not twice 2 s).
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        )
        client = clients[url] = redis.asyncio.Redis(connection_pool=pool)
    return client
