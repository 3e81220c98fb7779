"""The engine writes each leg's latest book to the cache, where paper fills read it: latest
wins within a write, and a write that fails is retried with what came since."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from arbitrage import depth_cache
from arbitrage.quote_cache import read_depth
from arbitrage.tests.test_engine_depth import ASKS, BIDS, depth, engine, send_depth  # noqa: F401 (fixture)

LEG = ("binance", "BTC/USDT:USDT")


async def test_the_latest_book_of_each_leg_is_in_the_cache_after_a_write(engine):  # noqa: F811
    send_depth(engine, depth("binance", [(D("99.8"), D("1"))], ASKS))
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS), depth("bybit", BIDS, [(D("101.1"), D("1"))]))

    await engine.depth_cache.write()

    cached = read_depth([LEG, ("bybit", "BTC/USDT:USDT"), ("okx", "BTC/USDT:USDT")])
    assert sorted(cached) == [LEG, ("bybit", "BTC/USDT:USDT")]
    assert cached[LEG].bids == [(D("99.9"), D("1"))] and cached[LEG].asks == ASKS
    assert engine.depth_cache.pending == {}


async def test_a_failed_write_keeps_the_books_for_the_next_one_under_anything_newer(engine, monkeypatch):  # noqa: F811
    async def down(records):
        raise RedisConnectionError("cache down")

    send_depth(engine, depth("binance", [(D("99.8"), D("1"))], ASKS))
    working = depth_cache.write_depth
    monkeypatch.setattr(depth_cache, "write_depth", down)
    await engine.depth_cache.write()
    assert read_depth([LEG]) == {}
    send_depth(engine, depth("binance", [(D("99.9"), D("1"))], ASKS))

    monkeypatch.setattr(depth_cache, "write_depth", working)
    await engine.depth_cache.write()

    assert read_depth([LEG])[LEG].bids == [(D("99.9"), D("1"))]


@pytest.mark.parametrize("legs", [[], [LEG]])
def test_nothing_cached_reads_as_no_book(legs):
    assert read_depth(legs) == {}
