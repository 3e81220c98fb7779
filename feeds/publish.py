"""Quotes leave a feed worker in batches: one channel-layer message per flush interval.

The layer is the narrowest pipe on a tick's road (arbsite/settings.py says why the pub/sub
one): one message per tick would spend it on envelope overhead. Within a batch the latest
quote per symbol wins.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer
from redis.exceptions import RedisError

from feeds.depth import Depth, encode_depth
from feeds.funding import Funding, encode_funding
from feeds.recorder import QuoteRecorder
from feeds.types import Quote, encode_quotes
from lib.service_watch import REDIS, ServiceWatch

logger = logging.getLogger(__name__)

# Every running engine joins this group; a worker publishes each batch once to it.
QUOTES_GROUP = "arbitrage.quotes"
QUOTES_MESSAGE_TYPE = "quotes.batch"
# A connection went down: its instruments' quotes stop counting at once.
QUOTES_DOWN_TYPE = "quotes.down"
# Funding records (feeds/funding.py) travel the same road, in their own message.
FUNDING_MESSAGE_TYPE = "funding.batch"
# Depth records (feeds/depth.py) likewise, the latest per symbol, at most every DEPTH_FLUSH_S:
# ten levels a side are ~20 times a quote's bytes and Bybit pushes every 20 ms, while the engine
# counts a book for as long as a quote (seconds), so a tenth of a second keeps the layer light.
DEPTH_MESSAGE_TYPE = "depth.batch"
DEPTH_FLUSH_S = 0.1


class QuotePublisher:
    def __init__(self, layer: BaseChannelLayer, flush_interval_ms: int, recorder: QuoteRecorder | None = None) -> None:
        self.layer = layer
        # Funding polls, depth batches and down notices; quotes reach the recorder from the
        # connections themselves (`QuoteRecorder.quote_sink`), every one, before this coalescing.
        self.recorder = recorder
        self.flush_interval_s = flush_interval_ms / 1000
        self.pending: dict[tuple[str, str], Quote] = {}
        self.pending_funding: dict[tuple[str, str], Funding] = {}
        self.pending_depth: dict[tuple[str, str], Depth] = {}
        self.depth_flushed_at = -DEPTH_FLUSH_S
        self.sent_batches = 0
        self.sent_quotes = 0
        self.dropped_batches = 0
        self.down: list[dict] = []
        # An outage is logged when it starts and ends, not once per flush (every 10 ms).
        self.layer_watch = ServiceWatch(REDIS, logger)

    def add(self, quotes: list[Quote]) -> None:
        pending = self.pending
        for quote in quotes:
            pending[quote.exchange, quote.symbol] = quote

    def add_funding(self, records: list[Funding]) -> None:
        if self.recorder is not None:
            self.recorder.add_funding(records)
        pending = self.pending_funding
        for record in records:
            pending[record.exchange, record.symbol] = record

    def add_depth(self, records: list[Depth]) -> None:
        pending = self.pending_depth
        for record in records:
            pending[record.exchange, record.symbol] = record

    async def flush(self) -> None:
        if self.pending_funding:
            await self._flush_funding()
        if self.pending_depth and time.monotonic() - self.depth_flushed_at >= DEPTH_FLUSH_S:
            await self._flush_depth()
        while self.down:
            try:
                await self.layer.group_send(QUOTES_GROUP, self.down[0])
            except ChannelFull:
                break  # the engine is behind; the notice goes with a later flush
            except (RedisError, OSError) as exc:
                self.layer_watch.failed(exc, "quote batches dropped until it is back")
                break
            self.down.pop(0)
        if not self.pending:
            return
        batch = list(self.pending.values())
        self.pending = {}
        try:
            await self.layer.group_send(QUOTES_GROUP, {"type": QUOTES_MESSAGE_TYPE, "quotes": encode_quotes(batch)})
        except ChannelFull:
            # Quotes are ephemeral: the next batch supersedes this one, so drop and count.
            self.dropped_batches += 1
            if self.dropped_batches in (1, 10) or self.dropped_batches % 1000 == 0:
                logger.warning("quote batch dropped, the engine is behind (%d so far)", self.dropped_batches)
            return
        except (RedisError, OSError) as exc:
            self.dropped_batches += 1
            self.layer_watch.failed(exc, "quote batches dropped until it is back")
            return
        self.layer_watch.succeeded()
        self.sent_batches += 1
        self.sent_quotes += len(batch)

    async def _flush_funding(self) -> None:
        """Funding is polled every half minute or so: a batch the layer refused goes with the next flush."""
        batch = list(self.pending_funding.values())
        try:
            await self.layer.group_send(QUOTES_GROUP, {"type": FUNDING_MESSAGE_TYPE, "funding": encode_funding(batch)})
        except ChannelFull:
            return
        except (RedisError, OSError) as exc:
            self.layer_watch.failed(exc, "funding batches kept until it is back")
            return
        for record in batch:
            if self.pending_funding.get((record.exchange, record.symbol)) is record:
                del self.pending_funding[record.exchange, record.symbol]

    async def _flush_depth(self) -> None:
        """Depth is ephemeral like quotes: a batch the layer refused is dropped, the next supersedes it."""
        batch = list(self.pending_depth.values())
        self.pending_depth = {}
        self.depth_flushed_at = time.monotonic()
        if self.recorder is not None:
            # What the engine is sent, whether or not the layer takes it: a replay walks the
            # same books the live engine could have.
            self.recorder.add_depth(batch)
        try:
            await self.layer.group_send(QUOTES_GROUP, {"type": DEPTH_MESSAGE_TYPE, "depth": encode_depth(batch)})
        except ChannelFull:
            self.dropped_batches += 1
        except (RedisError, OSError) as exc:
            self.dropped_batches += 1
            self.layer_watch.failed(exc, "depth batches dropped until it is back")

    def connection_down(self, exchange_id: str, instruments: list[str]) -> None:
        """Queue the news that a connection's quotes no longer hold; sent before the next batch."""
        self.down.append({"type": QUOTES_DOWN_TYPE, "exchange": exchange_id, "instruments": instruments})
        if self.recorder is not None:
            self.recorder.connection_down(exchange_id, instruments, time.time_ns())

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            await self.flush()
