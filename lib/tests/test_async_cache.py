"""The cache read and counted from async code (lib.async_cache) is the one Django's cache
API writes and reads, with the in-memory backend and with Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lib.async_cache import aadd_and_read, aget, aget_many, aset_many, incr_counter


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


async def test_values_set_here_read_back_through_django_and_expire(backend):
    await aset_many({"row": {"okx": '{"bid":"2"}'}, "seq": 41, "index": ["ETH/USDT:USDT"]}, timeout_s=60)

    assert cache.get_many(["row", "seq", "index"]) == {
        "row": {"okx": '{"bid":"2"}'},
        "seq": 41,
        "index": ["ETH/USDT:USDT"],
    }
    if backend == "redis":
        from django.core.cache import caches

        from lib.async_cache import _redis

        ttl_s = await _redis().ttl(caches["default"].make_and_validate_key("seq"))
        assert 0 < ttl_s <= 60
    await aset_many({}, timeout_s=60)  # nothing to write: no round trip, no error
