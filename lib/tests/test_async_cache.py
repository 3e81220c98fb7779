"""The cache read and counted from async code (lib.async_cache) is the one Django's cache
API writes and reads, with the in-memory backend and with Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lib.async_cache import aadd_and_read, aget, aget_many, incr_counter


@pytest.fixture(params=["locmem", "redis"])
def backend(request, settings):
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"{settings.REDIS_PREFIX}-async-cache-test",
                "OPTIONS": {"pool_class": "lib.redis_clients.SharedConnectionPool"},
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield request.param
    cache.clear()


async def test_values_set_through_django_read_back_here(backend):
    cache.set("row", {"binance": '{"bid":"1"}'})
    cache.set("index", ["BTC/USDT:USDT"])
    assert await aget_many(["row", "index", "missing"]) == {
        "row": {"binance": '{"bid":"1"}'},
        "index": ["BTC/USDT:USDT"],
    }
    assert await aget("missing", "default") == "default"


async def test_counts_added_here_and_there_are_one_counter(backend):
    incr_counter("hits", 60)
    assert await aadd_and_read({"hits": (2, 60)}, ["hits", "other"]) == {"hits": 3}
    assert cache.get("hits") == 3
    assert incr_counter("hits", 60) == 4
