"""/ws: the live feed for pages and bots. Authenticate, join the group, forward."""

from __future__ import annotations

import time

import msgspec
from channels.generic.websocket import AsyncWebsocketConsumer

from arbitrage import presence
from arbitrage.engine import PRICES_GROUP
from arbitrage.messages import (
    Error,
    Subscribe,
    Subscribed,
    Unsubscribe,
    client_message_decoder,
    encoder,
    snapshot_text,
    spliced,
)
from arbitrage.quote_cache import aread_open_opportunities, aread_quote_fragments

# Application close codes (4000–4999), documented in the README.
CLOSE_UNAUTHENTICATED = 4401

MAX_INSTRUMENTS = 1000


class LiveFeedConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.instruments: set[str] = set()  # empty: everything
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close code can only be sent on an open socket.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.channel_layer.group_add(PRICES_GROUP, self.channel_name)
        await self.accept()
        self.connected_ms = int(time.time() * 1000)
        await self.register()
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(PRICES_GROUP, self.channel_name)
        if hasattr(self, "connected_ms"):
            await presence.registry().remove(self.channel_name)

    async def register(self) -> None:
        """Tell the engine and other web processes this connection exists and what it watches."""
        user = self.scope["user"]
        self.registered_at = time.monotonic()
        await presence.registry().put(
            presence.Connection(
                self.channel_name, user.pk, user.get_username(), sorted(self.instruments), self.connected_ms
            )
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = client_message_decoder.decode(text_data or bytes_data or b"")
        except msgspec.DecodeError as exc:
            await self._send(Error(f"bad message: {exc}"))
            return
        if len(message.instruments) > MAX_INSTRUMENTS:
            await self._send(Error(f"at most {MAX_INSTRUMENTS} instruments"))
            return
        if isinstance(message, Subscribe):
            self.instruments |= set(message.instruments)
        elif isinstance(message, Unsubscribe):
            self.instruments -= set(message.instruments)
        await self.register()
        await self._send(Subscribed(sorted(self.instruments)))
        await self.send_snapshot()

    def _watches(self, *instruments: str) -> bool:
        return not self.instruments or any(instrument in self.instruments for instrument in instruments)

    async def send_snapshot(self) -> None:
        quotes = await aread_quote_fragments(sorted(self.instruments) or None)
        opportunities = [text for buy, sell, text in await aread_open_opportunities() if self._watches(buy, sell)]
        await self.send(text_data=snapshot_text(quotes, opportunities))

    async def prices_batch(self, event: dict) -> None:
        """The engine's coalesced update: forward what this connection watches."""
        if time.monotonic() - self.registered_at > presence.REFRESH_S:
            await self.register()
        seq = event["seq"]
        watches = self._watches
        if quotes := [text for instrument, text in event["items"] if watches(instrument)]:
            await self.send(text_data=spliced("price_update", seq, quotes))
        if opened := [text for buy, sell, text in event["opportunities"] if watches(buy, sell)]:
            await self.send(text_data=spliced("arbitrage_opportunities", seq, opened))
        if closed := [text for buy, sell, text in event["closed"] if watches(buy, sell)]:
            await self.send(text_data=spliced("opportunity_closed", seq, closed))

    async def _send(self, message: msgspec.Struct) -> None:
        await self.send(text_data=encoder.encode(message).decode())
