"""/ws: the live feed for pages and bots. Authenticate, join the group, forward.

Pages come with their session; programs with a JWT access token, either in
Sec-WebSocket-Protocol (accounts.ws_auth) or as the first message, within
settings.WS_AUTH_TIMEOUT_S. A token-authenticated connection ends when its token expires.
"""

from __future__ import annotations

import asyncio
import time

import msgspec
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.alerts.messages import user_group
from accounts.alerts.transports.in_app import remember_event_loop
from accounts.ws_auth import (
    BEARER_SUBPROTOCOL,
    CLOSE_AUTH_TIMEOUT,
    CLOSE_TOKEN_REJECTED,
    CLOSE_UNAUTHENTICATED,
    TokenRejected,
    aauthenticate_token,
)
from arbitrage import presence
from arbitrage.engine import PRICES_GROUP
from arbitrage.messages import (
    Error,
    Subscribe,
    Subscribed,
    Unsubscribe,
    auth_message_decoder,
    client_message_decoder,
    encoder,
    snapshot_text,
    spliced,
)
from arbitrage.quote_cache import aread_open_opportunities, aread_quote_fragments

# Application close codes (4401, 4403, 4408) live in accounts.ws_auth and the README.
__all__ = ["CLOSE_AUTH_TIMEOUT", "CLOSE_TOKEN_REJECTED", "CLOSE_UNAUTHENTICATED", "LiveFeedConsumer"]

MAX_INSTRUMENTS = 1000


class LiveFeedConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.instruments: set[str] = set()  # empty: everything
        self.authenticated = False
        self.ending = False
        self.expires_at: float | None = None  # token-authenticated: epoch seconds
        self._timer: asyncio.Task | None = None
        self.user_group: str | None = None  # joined once authenticated: the user's alerts
        offered = self.scope.get("subprotocols") or []
        # Accept first: a close code can only be sent on an open socket. Never echo the token.
        await self.accept(BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in offered else None)
        if rejected := self.scope.get("token_rejected"):
            await self.end(rejected.close_code, rejected.reason)
            return
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await self.start_feed(self.scope.get("token_expires_at"))
        elif self._from_browser():
            # A page without a session: it would not send an auth message.
            await self.end(CLOSE_UNAUTHENTICATED)
        else:
            timeout_s = settings.WS_AUTH_TIMEOUT_S
            self._timer = asyncio.ensure_future(
                self._end_after(timeout_s, CLOSE_AUTH_TIMEOUT, f"no auth message within {timeout_s:g} s")
            )

    def _from_browser(self) -> bool:
        return any(name == b"origin" for name, _ in self.scope.get("headers", ()))

    async def start_feed(self, expires_at: float | None) -> None:
        self.authenticated = True
        self.expires_at = expires_at
        if expires_at is not None:
            self._timer = asyncio.ensure_future(
                self._end_after(expires_at - time.time(), CLOSE_TOKEN_REJECTED, "token expired")
            )
        await self.channel_layer.group_add(PRICES_GROUP, self.channel_name)
        self.user_group = user_group(self.scope["user"].pk)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        remember_event_loop()
        self.connected_ms = int(time.time() * 1000)
        await self.register()
        await self.send_snapshot()

    async def _end_after(self, delay_s: float, code: int, error: str) -> None:
        await asyncio.sleep(max(delay_s, 0))
        await self.end(code, error)

    async def end(self, code: int, error: str | None = None) -> None:
        """Close with an application code, saying why first when there is more to say than the code."""
        if self.ending:
            return
        self.ending = True
        if error:
            await self._send(Error(error))
        await self._leave_groups()
        if hasattr(self, "connected_ms"):  # gone from presence now, not when the client acknowledges
            await presence.registry().remove(self.channel_name)
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self._timer is not None and self._timer is not asyncio.current_task():
            self._timer.cancel()
        await self._leave_groups()
        if hasattr(self, "connected_ms"):
            await presence.registry().remove(self.channel_name)

    async def _leave_groups(self) -> None:
        await self.channel_layer.group_discard(PRICES_GROUP, self.channel_name)
        if self.user_group is not None:
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

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
        if self.ending:
            return
        if not self.authenticated:
            await self.authenticate(text_data or bytes_data or b"")
            return
        if self.expires_at is not None and time.time() >= self.expires_at:
            await self.end(CLOSE_TOKEN_REJECTED, "token expired")
            return
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

    async def authenticate(self, raw: str | bytes) -> None:
        """The first message of a connection without credentials must be {"type":"auth","token":...}."""
        try:
            token = auth_message_decoder.decode(raw).token
        except msgspec.DecodeError:
            await self.end(CLOSE_UNAUTHENTICATED, 'authenticate first: {"type":"auth","token":"<JWT access token>"}')
            return
        try:
            auth = await aauthenticate_token(token)
        except TokenRejected as rejected:
            await self.end(rejected.close_code, rejected.reason)
            return
        if self.ending:  # the timeout fired while the token was being checked
            return
        if self._timer is not None:
            self._timer.cancel()
        self.scope["user"] = auth.user
        await self.start_feed(auth.expires_at)

    def _watches(self, *instruments: str) -> bool:
        return not self.instruments or any(instrument in self.instruments for instrument in instruments)

    async def send_snapshot(self) -> None:
        quotes = await aread_quote_fragments(sorted(self.instruments) or None)
        opportunities = [text for buy, sell, text in await aread_open_opportunities() if self._watches(buy, sell)]
        await self.send(text_data=snapshot_text(quotes, opportunities))

    async def prices_batch(self, event: dict) -> None:
        """The engine's coalesced update: forward what this connection watches."""
        if self.ending:
            return
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

    async def alert_message(self, event: dict) -> None:
        """An alert for this connection's user, encoded once by the sender (accounts.alerts)."""
        if not self.ending:
            await self.send(text_data=event["text"])

    async def _send(self, message: msgspec.Struct) -> None:
        await self.send(text_data=encoder.encode(message).decode())
