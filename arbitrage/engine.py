"""The arbitrage engine's loop: quotes in from the layer, book kept, updates out, coalesced.

Browsers get at most one update per instrument and exchange per fan-out interval (latest
wins), so a burst of ticks never queues up behind a slow socket.
"""

from __future__ import annotations

import asyncio
import logging

from channels.layers import BaseChannelLayer
from redis.exceptions import RedisError

from arbitrage.book import QuoteBook
from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import write_quotes
from feeds.publish import QUOTES_GROUP, QUOTES_MESSAGE_TYPE
from feeds.types import Quote, decode_quotes

logger = logging.getLogger(__name__)

PRICES_GROUP = "prices"
PRICES_EVENT = "prices.batch"  # handled by LiveFeedConsumer.prices_batch
RETRY_S = 1.0


class Engine:
    def __init__(self, layer: BaseChannelLayer, fanout_interval_ms: int) -> None:
        self.layer = layer
        self.fanout_interval_s = fanout_interval_ms / 1000
        self.book = QuoteBook()
        self.pending: dict[tuple[str, str], Quote] = {}
        self.seq = 0
        self.received_quotes = 0
        self.bad_messages = 0
        self._cached_rows: dict[str, dict[str, str]] = {}
        self._indexed = 0
        self.channel = ""

    async def start(self) -> None:
        """Join the quotes group; batches published from here on reach this engine."""
        self.channel = await self.layer.new_channel("arbitrage.engine.")
        await self.layer.group_add(QUOTES_GROUP, self.channel)

    async def run(self) -> None:
        await self.start()
        try:
            await asyncio.gather(self.receive_forever(), self.fan_out_forever())
        finally:
            await self.layer.group_discard(QUOTES_GROUP, self.channel)

    def on_quotes(self, quotes: list[Quote]) -> None:
        self.received_quotes += len(quotes)
        pending = self.pending
        for quote in self.book.apply(quotes):
            pending[quote.instrument, quote.exchange] = quote

    def on_message(self, message: dict) -> None:
        if message.get("type") != QUOTES_MESSAGE_TYPE:
            self.bad_messages += 1
            return
        try:
            quotes = decode_quotes(message["quotes"])
        except (KeyError, ValueError, TypeError) as exc:
            self.bad_messages += 1
            logger.warning("undecodable quote batch dropped: %s", exc)
            return
        self.on_quotes(quotes)

    async def receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except (RedisError, OSError) as exc:
                logger.warning("channel layer unavailable, retrying: %s", exc)
                await asyncio.sleep(RETRY_S)
                continue
            self.on_message(message)

    async def fan_out_forever(self) -> None:
        while True:
            await asyncio.sleep(self.fanout_interval_s)
            await self.fan_out()

    async def fan_out(self) -> None:
        """One coalesced update to every /ws connection, and the cache brought up to date."""
        if not self.pending:
            return
        changed = list(self.pending.values())
        self.pending = {}
        self.seq += 1
        items = []
        rows: dict[str, dict[str, str]] = {}
        for quote in changed:
            fragment = quote_fragment(quote)
            items.append([quote.instrument, fragment])
            row = self._cached_rows.setdefault(quote.instrument, {})
            row[quote.exchange] = fragment
            rows[quote.instrument] = row
        index = None
        if len(self._cached_rows) != self._indexed:
            index = sorted(self._cached_rows)
            self._indexed = len(index)
        try:
            await self.layer.group_send(PRICES_GROUP, {"type": PRICES_EVENT, "seq": self.seq, "items": items})
            await write_quotes(rows, index)
        except (RedisError, OSError) as exc:
            if index is not None:
                self._indexed = 0  # write the index again next time
            logger.warning("fan-out failed, next one carries the latest: %s", exc)
