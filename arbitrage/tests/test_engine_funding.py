"""Funding records travel from a feed worker through the channel layer into the cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from arbitrage.engine import Engine
from arbitrage.quote_cache import FUNDING_INDEX_KEY, read_funding
from feeds.funding import Funding
from feeds.publish import FUNDING_MESSAGE_TYPE, QuotePublisher


def record(exchange: str, rate: str, interval_h: int = 8, symbol: str = "BTCUSDT") -> Funding:
    return Funding(exchange, symbol, "BTC/USDT:USDT", Decimal(rate), interval_h, 1_700_006_400_000, 1_700_000_000_000)


async def test_a_funding_batch_reaches_the_engine_and_the_cache():
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=100)
    await engine.start()
    publisher = QuotePublisher(layer, flush_interval_ms=20)
    publisher.add_funding([record("binance", "0.0001"), record("bybit", "0.0002", 4)])
    publisher.add_funding([record("binance", "0.00015")])  # latest per symbol wins
    await publisher.flush()

    message = await asyncio.wait_for(layer.receive(engine.channel), 5)
    assert message["type"] == FUNDING_MESSAGE_TYPE
    engine.on_message(message)
    await engine.write_funding()

    row = read_funding()["BTC/USDT:USDT"]
    assert row["binance"] == record("binance", "0.00015")
    assert row["bybit"] == record("bybit", "0.0002", 4)
    assert engine.bad_messages == 0


async def test_funding_the_layer_refused_goes_with_the_next_flush():
    class FlakyLayer:
        def __init__(self) -> None:
            self.up = False
            self.sent: list[dict] = []

        async def group_send(self, group: str, message: dict) -> None:
            if not self.up:
                raise RedisConnectionError("Connection refused.")
            self.sent.append(message)

    layer = FlakyLayer()
    publisher = QuotePublisher(layer, flush_interval_ms=20)
    publisher.add_funding([record("okx", "0.0001", 1, "BTC-USDT-SWAP")])
    await publisher.flush()
    assert publisher.pending_funding and not layer.sent
    layer.up = True
    await publisher.flush()
    assert [m["type"] for m in layer.sent] == [FUNDING_MESSAGE_TYPE]
    assert not publisher.pending_funding


async def test_a_failed_funding_write_is_written_again(monkeypatch):
    from django.core.cache import cache

    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.on_funding([record("binance", "0.0001")])

    async def refused(*args, **kwargs):
        raise RedisConnectionError("Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr("arbitrage.quote_cache.aset_many", refused)
        await engine.write_funding()
    assert engine.pending_funding == {"BTC/USDT:USDT"}
    await engine.write_funding()
    assert cache.get(FUNDING_INDEX_KEY) == ["BTC/USDT:USDT"]
    assert read_funding()["BTC/USDT:USDT"]["binance"].rate == Decimal("0.0001")
