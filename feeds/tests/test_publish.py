"""Quote batches leave a worker; while Redis is away they are dropped, counted, logged once."""

from __future__ import annotations

import logging

from redis.exceptions import ConnectionError as RedisConnectionError

from arbitrage.tests.factories import make_quote
from feeds.publish import QuotePublisher


class UnreachableLayer:
    def __init__(self) -> None:
        self.up = False
        self.sent: list[dict] = []

    async def group_send(self, group: str, message: dict) -> None:
        if not self.up:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(message)


async def test_an_outage_drops_batches_counts_them_and_logs_its_start_and_end_once(caplog):
    layer = UnreachableLayer()
    publisher = QuotePublisher(layer, flush_interval_ms=20)
    caplog.set_level(logging.WARNING, logger="feeds.publish")

    for n in range(50):  # a second of flushes
        publisher.add([make_quote(bid=str(100 + n), ask="200", ts_ms=n)])
        await publisher.flush()
    layer.up = True
    publisher.add([make_quote(bid="99", ask="200", ts_ms=99)])
    await publisher.flush()

    assert publisher.dropped_batches == 50
    assert (publisher.sent_batches, len(layer.sent)) == (1, 1)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("Redis is unavailable")
    assert messages[1].startswith("Redis is available again") and "50 failures" in messages[1]


async def test_depth_leaves_in_its_own_message_latest_per_symbol():
    from decimal import Decimal

    from feeds.depth import Depth, decode_depth
    from feeds.publish import DEPTH_FLUSH_S, DEPTH_MESSAGE_TYPE

    layer = UnreachableLayer()
    layer.up = True
    publisher = QuotePublisher(layer, flush_interval_ms=20)
    older = Depth("binance", "BTCUSDT", "BTC/USDT:USDT", [(Decimal(1), Decimal(1))], [(Decimal(2), Decimal(1))], 1, 1)
    newer = Depth("binance", "BTCUSDT", "BTC/USDT:USDT", [(Decimal(1), Decimal(3))], [(Decimal(2), Decimal(1))], 2, 2)
    publisher.add_depth([older])
    publisher.add_depth([newer])
    await publisher.flush()
    [message] = layer.sent
    assert message["type"] == DEPTH_MESSAGE_TYPE
    assert decode_depth(message["depth"]) == [newer]
    assert publisher.pending_depth == {}
    # Within DEPTH_FLUSH_S of that batch the next waits, the quotes' flushes going on meanwhile.
    publisher.add_depth([older])
    await publisher.flush()
    assert len(layer.sent) == 1 and publisher.pending_depth
    publisher.depth_flushed_at -= DEPTH_FLUSH_S
    await publisher.flush()
    assert decode_depth(layer.sent[-1]["depth"]) == [older]
