"""/ws: the live feed for pages and bots. Authenticate, join this process's fan-out, forward.

Pages come with their session; programs with a JWT access token, either in
Sec-WebSocket-Protocol (accounts.ws_auth) or as the first message, within
settings.WS_AUTH_TIMEOUT_S. A connection ends when its token or session expires, and at once
when its session logs out or its user changes the password or is deactivated
(accounts.live_connections); a check of all the process's connections together every
settings.WS_RECHECK_S (accounts.live_access) catches what that misses.
"""

from __future__ import annotations

import asyncio
import math
import time

import msgspec
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.live_access import WatchedAccess, access_watch
from accounts.user_connections import remember_event_loop, user_group
from accounts.ws_auth import (
    BEARER_SUBPROTOCOL,
    CLOSE_AUTH_TIMEOUT,
    CLOSE_RATE_LIMITED,
    CLOSE_TOKEN_REJECTED,
    CLOSE_UNAUTHENTICATED,
    TokenRejected,
    aauthenticate_token,
    claim_of,
    session_expires_at,
)
from arbitrage.executions import connect_handler, execute_handler
from arbitrage.fanout import Subscriber, hub_for
from arbitrage.messages import (
    Error,
    Execute,
    Subscribe,
    Subscribed,
    auth_message_decoder,
    client_message_decoder,
    encoder,
)
from arbitrage.queries import fee_view_of, resolve_instruments
from arbitrage.snapshots import snapshot_reader
from arbitrage.socket_writer import FrameWriter, frame_writer
from arbitrage.subscriptions import OF_INSTRUMENTS, OpportunitiesMode, from_query

# Application close codes (4401, 4403, 4408, 4429) live in accounts.ws_auth and the README.
__all__ = ["CLOSE_AUTH_TIMEOUT", "CLOSE_TOKEN_REJECTED", "CLOSE_UNAUTHENTICATED", "LiveFeedConsumer"]

MAX_INSTRUMENTS = 1000  # per connection, all subscriptions together
MESSAGES_PER_S = 5  # client messages, sustained; bursts up to MESSAGE_BURST
MESSAGE_BURST = 20
MAX_REFUSED_MESSAGES = 50  # over the rate this often, the connection is closed


def _backlog_unknown() -> int:
    """Without a socket to read (another server than daphne), the backlog is taken as 0."""
    return 0


class MessageRate:
    """A token bucket: `allow()` says whether one more client message may be acted on now."""

    def __init__(self, per_s: float, burst: int) -> None:
        self.per_s = per_s
        self.burst = burst
        self.tokens = float(burst)
        self.at = time.monotonic()
        self.refused = 0

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_s)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.refused += 1
        return False


class LiveFeedConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.instruments: frozenset[str] = frozenset()  # empty: everything, with OF_INSTRUMENTS
        self.opportunities: OpportunitiesMode = OF_INSTRUMENTS  # arbitrage.subscriptions
        self.authenticated = False
        self.ending = False
        self.access_token: str | None = None  # token-authenticated connections
        self._timers: list[asyncio.Task] = []
        self.user_group: str | None = None  # joined once authenticated: the user's alerts
        self.subscriber: Subscriber | None = None
        self.writer: FrameWriter | None = None  # the socket, where daphne gives one
        self.access: WatchedAccess | None = None
        self.rate = MessageRate(MESSAGES_PER_S, MESSAGE_BURST)
        offered = self.scope.get("subprotocols") or []
        # Accept first: a close code can only be sent on an open socket. Never echo the token.
        await self.accept(BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in offered else None)
        if rejected := self.scope.get("token_rejected"):
            await self.end(rejected.close_code, rejected.reason)
            return
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            await self.start_feed(self.scope.get("access_token"), self.scope.get("token_expires_at"))
        elif self._from_browser():
            # A page without a session: it would not send an auth message.
            await self.end(CLOSE_UNAUTHENTICATED)
        else:
            timeout_s = settings.WS_AUTH_TIMEOUT_S
            self._after(timeout_s, CLOSE_AUTH_TIMEOUT, f"no auth message within {timeout_s:g} s")

    def _from_browser(self) -> bool:
        return any(name == b"origin" for name, _ in self.scope.get("headers", ()))

    def _after(self, delay_s: float, code: int, error: str) -> None:
        self._timers.append(asyncio.ensure_future(self._end_after(delay_s, code, error)))

    async def start_feed(self, access_token: str | None, expires_at: float | None) -> None:
        self.authenticated = True
        self.access_token = access_token
        if expires_at is None:
            expires_at = await database_sync_to_async(session_expires_at)(self.scope.get("session"))
        if expires_at is not None:
            self.expires_at = expires_at
            self._after(
                expires_at - time.time(), CLOSE_TOKEN_REJECTED, "token expired" if access_token else "session expired"
            )
        self.access = WatchedAccess(claim_of(self.scope, access_token), self._refused)
        access_watch().add(self.access)
        user = self.scope["user"]
        self.user_group = user_group(user.pk)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        remember_event_loop()
        await self._subscribe_from_url()
        self.writer = writer = frame_writer(self.base_send)
        self.subscriber = Subscriber(
            send_text=self._send_text,
            send_snapshot=self.send_snapshot,
            backlog_bytes=writer.backlog_bytes if writer else _backlog_unknown,
            user_id=user.pk,
            write_frame=writer.write if writer else None,
            deflate=writer.deflate if writer else False,
            instruments=self.instruments,
            opportunities=self.opportunities,
            # The user's own fees as they are now: a change applies from their next connection.
            fees=await database_sync_to_async(fee_view_of)(user),
        )
        await hub_for(self.channel_layer).join(self.subscriber)
        if (connected := connect_handler()) is not None:
            await database_sync_to_async(connected)(user)

    async def _subscribe_from_url(self) -> None:
        """`/ws?instruments=A,B&opportunities=all`: subscribed before the first snapshot, which
        then holds only that (a page's first snapshot would otherwise be every instrument)."""
        names, mode, wrong = from_query(self.scope.get("query_string", b""))
        if not names and mode is None and wrong is None:
            return
        if wrong:
            await self._send(Error(wrong))
        if len(names) > MAX_INSTRUMENTS:
            await self._send(Error(f"at most {MAX_INSTRUMENTS} instruments per connection"))
        elif names:
            named, unknown = await database_sync_to_async(resolve_instruments)(names)
            if unknown:
                await self._send(Error("; ".join(unknown)))
            self.instruments = frozenset(named)
        if mode is not None:
            self.opportunities = mode
        await self._send(Subscribed(sorted(self.instruments), self.opportunities))

    async def _end_after(self, delay_s: float, code: int, error: str) -> None:
        await asyncio.sleep(max(delay_s, 0))
        await self.end(code, error)

    async def _refused(self, reason: str) -> None:
        await self.end(CLOSE_TOKEN_REJECTED, reason)

    async def end(self, code: int, error: str | None = None) -> None:
        """Close with an application code, saying why first when there is more to say than the code."""
        if self.ending:
            return
        self.ending = True
        if error:
            await self._send(Error(error))
        await self._leave()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        self.ending = True
        await self._leave()

    async def _leave(self) -> None:
        current = asyncio.current_task()
        for timer in self._timers:
            if timer is not current:
                timer.cancel()
        if self.access is not None:
            access_watch().discard(self.access)
            self.access = None
        if self.subscriber is not None:
            hub_for(self.channel_layer).leave(self.subscriber)
            self.subscriber = None
        if self.user_group is not None:
            await self.channel_layer.group_discard(self.user_group, self.channel_name)
            self.user_group = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.ending:
            return
        if not self.authenticated:
            await self.authenticate(text_data or bytes_data or b"")
            return
        if time.time() >= getattr(self, "expires_at", math.inf):
            await self.end(CLOSE_TOKEN_REJECTED, "token expired" if self.access_token else "session expired")
            return
        if not self.rate.allow():
            if self.rate.refused >= MAX_REFUSED_MESSAGES:
                await self.end(CLOSE_RATE_LIMITED, "too many messages")
            else:
                await self._send(Error(f"too many messages: at most {MESSAGES_PER_S} a second"))
            return
        try:
            message = client_message_decoder.decode(text_data or bytes_data or b"")
        except msgspec.DecodeError as exc:
            await self._send(Error(f"bad message: {exc}"))
            return
        except RecursionError:
            await self._send(Error("bad message: nested too deeply"))
            return
        if isinstance(message, Execute):
            await self._send(await self.execute(message))
            return
        if len(message.instruments) > MAX_INSTRUMENTS:
            await self._send(Error(f"at most {MAX_INSTRUMENTS} instruments per connection"))
            return
        named, unknown = await database_sync_to_async(resolve_instruments)(message.instruments)
        if unknown:
            await self._send(Error("; ".join(unknown)))
        changing = set(named)
        instruments = self.instruments | changing if isinstance(message, Subscribe) else self.instruments - changing
        if len(instruments) > MAX_INSTRUMENTS:
            await self._send(Error(f"at most {MAX_INSTRUMENTS} instruments per connection"))
            return
        self.instruments = frozenset(instruments)
        if isinstance(message, Subscribe) and message.opportunities is not None:
            self.opportunities = message.opportunities
        await self._send(Subscribed(sorted(self.instruments), self.opportunities))
        hub_for(self.channel_layer).resubscribe(self.subscriber, self.instruments, self.opportunities)

    async def execute(self, message: Execute) -> msgspec.Struct:
        """The registered executor's reply (arbitrage.executions), for this connection alone."""
        handler = execute_handler()
        if handler is None:
            return Error("paper execution is not available on this server", message.idempotency_key)
        return await database_sync_to_async(handler)(self.scope["user"], message)

    async def authenticate(self, raw: str | bytes) -> None:
        """The first message of a connection without credentials must be {"type":"auth","token":...}."""
        try:
            token = auth_message_decoder.decode(raw).token
        except (msgspec.DecodeError, RecursionError):
            await self.end(CLOSE_UNAUTHENTICATED, 'authenticate first: {"type":"auth","token":"<JWT access token>"}')
            return
        try:
            auth = await aauthenticate_token(token)
        except TokenRejected as rejected:
            await self.end(rejected.close_code, rejected.reason)
            return
        if self.ending:  # the timeout fired while the token was being checked
            return
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        self.scope["user"] = auth.user
        await self.start_feed(token, auth.expires_at)

    async def send_snapshot(self, min_seq: int = 0) -> int | None:
        """The cached state this connection watches, in pages, if it reflects update `min_seq`
        or later; returns the update it reflects (None: the cache is older, nothing sent)."""
        fees = self.subscriber.fees if self.subscriber is not None else None
        snapshot = await snapshot_reader().read(self.instruments, min_seq, fees, self.opportunities)
        if snapshot.seq < min_seq:
            return None
        writer = self.writer
        if writer is not None:
            for frame in snapshot.pages.frames(writer.deflate):
                if not writer.write(frame):
                    break  # closing
        else:
            for text in snapshot.texts:
                await self._send_text(text)
        return snapshot.seq

    async def live_revoked(self, event: dict) -> None:
        """The user logged out (this session, or everywhere) or lost access."""
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        if event.get("session_key") in (None, session_key):
            await self.end(CLOSE_TOKEN_REJECTED, event.get("reason") or "logged out")

    async def alert_message(self, event: dict) -> None:
        """An alert for this connection's user, encoded once by the sender (accounts.alerts)."""
        if not self.ending:
            await self._send_text(event["text"])

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    async def _send(self, message: msgspec.Struct) -> None:
        await self._send_text(encoder.encode(message).decode())
