"""The engine's loop over the configured channel layer and cache (Redis in CI)."""

from __future__ import annotations

import asyncio
import json

from channels.layers import get_channel_layer

from arbitrage.engine import Engine
from arbitrage.fanout import PRICES_EVENT, PRICES_GROUP
from arbitrage.quote_cache import read_quotes
from arbitrage.tests.factories import make_quote
from feeds.publish import QuotePublisher


async def test_a_feed_batch_reaches_the_engine_and_fans_out_coalesced():
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    engine = Engine(layer, fanout_interval_ms=100)
    first_seq = engine.seq
    await engine.start()
    publisher = QuotePublisher(layer, flush_interval_ms=20)
    publisher.add([make_quote(bid="100", ask="101", ts_ms=1), make_quote(bid="100.5", ask="101", ts_ms=2)])
    publisher.add([make_quote(exchange="bybit", bid="99", ask="100", ts_ms=2)])
    await publisher.flush()
    assert (publisher.sent_batches, publisher.sent_quotes) == (1, 2)  # latest per symbol only

    engine.on_message(await asyncio.wait_for(layer.receive(engine.channel), 5))
    await engine.fan_out()
    message = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)

    assert message["type"] == PRICES_EVENT
    assert message["seq"] == first_seq + 1
    items = {json.loads(fragment)["exchange"]: json.loads(fragment) for _, fragment in message["items"]}
    assert items["binance"]["bid"] == "100.5"
    assert items["bybit"]["ask"] == "100"
    assert items["bybit"]["price"] == "99.5"
    assert set(read_quotes()["BTC/USDT:USDT"]) == {"binance", "bybit"}


async def test_nothing_changed_means_no_fan_out():
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=100)
    engine.on_quotes([make_quote(ts_ms=1)])
    await engine.fan_out()
    sent_seq = engine.seq
    engine.on_quotes([make_quote(ts_ms=2)])  # same prices and sizes: not a change
    await engine.fan_out()
    assert engine.seq == sent_seq


def test_malformed_layer_messages_are_counted_and_dropped():
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.on_message({"type": "something.else"})
    engine.on_message({"type": "quotes.batch", "quotes": b"\x00garbage"})
    engine.on_message({"type": "quotes.batch"})
    assert engine.bad_messages == 3
    assert engine.book.latest == {}


async def test_seq_keeps_rising_across_engine_restarts_so_clients_resync(monkeypatch):
    from arbitrage import engine as engine_module

    first = Engine(get_channel_layer(), fanout_interval_ms=100)
    for n in range(5):
        first.on_quotes([make_quote(bid=str(100 + n), ask="200", ts_ms=n)])
        await first.fan_out()
    started_ms = engine_module.now_ms()
    monkeypatch.setattr(engine_module, "now_ms", lambda: started_ms + 1000)  # restarted a second later
    restarted = Engine(get_channel_layer(), fanout_interval_ms=100)
    assert restarted.seq > first.seq


async def test_a_failed_fan_out_loses_nothing_and_the_next_one_carries_it(monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from arbitrage import engine as engine_module
    from arbitrage.quote_cache import read_open_opportunities

    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    engine = Engine(layer, fanout_interval_ms=100)
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=1)], at_ms=1)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=1)], at_ms=1)
    await engine.fan_out()
    opened = await asyncio.wait_for(layer.receive(listener), 5)
    assert len(opened["opportunities"]) == 1

    engine.on_quotes([make_quote("bybit", bid="100", ask="100.1", ts_ms=2)], at_ms=2)  # the gap closes
    real_write = engine_module.write_live_state

    async def redis_down(*args, **kwargs):
        raise RedisConnectionError("Redis restarting")

    monkeypatch.setattr(engine_module, "write_live_state", redis_down)
    await engine.fan_out()
    assert engine.failed_fanouts == 1 and len(engine.pending_closed) == 1

    monkeypatch.setattr(engine_module, "write_live_state", real_write)
    await engine.fan_out()
    carried = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)
    assert len(carried["closed"]) == 1 and carried["seq"] == opened["seq"] + 1
    assert read_open_opportunities() == []


async def test_after_a_failed_write_the_engine_rewrites_every_row_a_restarted_cache_lost(monkeypatch):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    from arbitrage import engine as engine_module

    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.on_quotes([make_quote("binance", bid="100", ask="101", ts_ms=1)])
    engine.on_quotes([make_quote("bybit", instrument="ETH/USDT:USDT", bid="10", ask="11", ts_ms=1)])
    await engine.fan_out()
    real_write = engine_module.write_live_state

    async def redis_down(*args, **kwargs):
        raise RedisConnectionError("Redis restarting")

    monkeypatch.setattr(engine_module, "write_live_state", redis_down)
    engine.on_quotes([make_quote("binance", bid="100.5", ask="101", ts_ms=2)])
    await engine.fan_out()
    cache.clear()  # Redis came back empty
    monkeypatch.setattr(engine_module, "write_live_state", real_write)
    await engine.fan_out()  # only BTC changed since, yet ETH is back too

    quotes = read_quotes()
    assert set(quotes) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    assert quotes["BTC/USDT:USDT"]["binance"]["bid"] == "100.5"
    assert quotes["ETH/USDT:USDT"]["bybit"]["ask"] == "11"
