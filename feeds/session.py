"""One exchange connection kept alive: connect, subscribe, heartbeat, watchdog, reconnect.

Everything exchange-specific comes from the connector (feeds/exchanges/<id>.py); this module
is the only place that does WebSocket I/O with an exchange. The guard that keeps a connection's
deadlines (feeds/deadlines.py: data, heartbeat, lifetime) serves both session kinds; the
Socket.IO one (feeds/socketio_session.py) only brings another wire.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

import aiohttp
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

from feeds.backoff import backoff_delay_s
from feeds.deadlines import NO_HEARTBEAT, ConnectionDeadlines
from feeds.depth import Depth
from feeds.exchanges import get_connector, parse_depth, parse_frame, parse_frame_and_depth
from feeds.exchanges.base import Endpoints
from feeds.rest import fetch_token
from feeds.status import FeedStatus
from feeds.types import FrameError, Instrument, Quote
from lib import clock

logger = logging.getLogger(__name__)

# Close codes the session uses on its own connection, so logs say why it went.
CLOSE_DEADLINE_MISSED = 4000  # no data or no heartbeat in time
CLOSE_ROTATING = 4001
CLOSE_NOTHING_WANTED = 4002  # a depth connection whose books nobody wants any more
# How long a close waits for the exchange's close frame; a peer that missed a deadline is
# likely gone, so it gets hardly any time and the reconnect is not held up.
CLOSE_TIMEOUT_S = 2.0
DEAD_PEER_CLOSE_TIMEOUT_S = 0.1
# A parser sets this key in the connection's state when the exchange announces a close.
RECONNECT_REQUESTED = "reconnect_requested"
# A connection that carried data this long counts as healthy: backoff starts over.
HEALTHY_AFTER_S = 30.0


class _DeadlineMissed(Exception):
    """The guard closed a connection that kept no data or no heartbeat coming in time."""


class _ServerClosed(Exception):
    pass


class _HeartbeatAwareConnection(ClientConnection):
    """A client connection that reports the exchange's ping and pong frames: websockets answers
    pings and matches pongs itself, and offers no hook for either. `process_event` is where
    websockets (pinned in requirements.txt) hands over every frame; the Binance heartbeat drill
    fails should that change."""

    on_heartbeat: Callable[[], None] | None = None

    def process_event(self, event: Event) -> None:
        super().process_event(event)
        if isinstance(event, Frame) and event.opcode in (Opcode.PING, Opcode.PONG) and self.on_heartbeat:
            self.on_heartbeat()


class ExchangeSession:
    def __init__(
        self,
        exchange_id: str,
        instruments: Mapping[str, Instrument],
        on_quotes: Callable[[list[Quote]], None],
        *,
        endpoints: Endpoints,
        stall_timeout_s: float,
        backoff_initial_s: float,
        backoff_max_s: float,
        status: FeedStatus | None = None,
        rng: random.Random | None = None,
        on_down: Callable[[str, list[str]], None] | None = None,
        heartbeat_timeout_s: float | None = None,
        on_raw: Callable[[str | bytes, int], None] | None = None,
        on_depth: Callable[[list[Depth]], None] | None = None,
        on_record: Callable[[list[Quote]], None] | None = None,
        on_quote_depth: Callable[[list[Depth]], None] | None = None,
    ) -> None:
        """`on_raw` gets every frame as received with its receive time (ARBSITE_RECORD_RAW);
        `on_record` each frame's quotes, after `on_quotes` (ARBSITE_RECORDING).
        With `on_depth` this is a depth connection: it streams the books of the symbols last
        passed to `want_depth` (none at first: it connects only once some are wanted), and hands
        on depth records instead of quotes. `instruments` are those it may be asked for.
        With `on_quote_depth`, a quote connection whose frames are the exchange's book (the
        connector's `depth_in_quote_frames`: CoinDCX) also hands on depth records, of the
        symbols last passed to `want_depth`, and subscribes nothing more for them.
        `heartbeat_timeout_s` replaces the heartbeat deadline the exchange announces (KuCoin's
        token, Engine.IO's handshake) or its connector declares; tests shorten it."""
        self.connector = get_connector(exchange_id)
        self.exchange_id = exchange_id
        self.instruments = dict(instruments)
        self.on_quotes = on_quotes
        self.endpoints = endpoints
        self.heartbeat_interval_s = self.connector.heartbeat_interval_s
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.stall_timeout_s = stall_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.status = status or FeedStatus(exchange_id)
        self.status.url = endpoints.ws_url
        self.on_depth = on_depth
        self.on_quote_depth = on_quote_depth
        self.depth_wanted: frozenset[str] = frozenset()
        self._depth_wanted_changed = asyncio.Event()
        self.idle = asyncio.Event()  # set while a depth connection waits, closed, for demand
        self.status.subscribed = 0 if on_depth else len(self.instruments)
        self.rng = rng or random.Random()
        self.on_down = on_down
        self.on_raw = on_raw
        self.on_record = on_record
        self._deadlines: ConnectionDeadlines | None = None  # the open connection's
        self._announced_heartbeat_timeout_s: float | None = None
        self._guard_closing = False  # the guard, not the server, is closing this connection
        self._error_log_mark = 0.0
        self._errors_unlogged = 0

    def want_depth(self, symbols: Iterable[str]) -> None:
        """The symbols whose books this depth connection should stream from now on (unknown
        ones ignored); subscribed and dropped on the open connection, within the exchange's
        request rate."""
        wanted = frozenset(symbols) & self.instruments.keys()
        # No more than the connection carries (Phemex: 20, below DEPTH_MAX_PER_EXCHANGE).
        wanted = frozenset(sorted(wanted)[: self.connector.max_symbols_per_connection])
        if wanted != self.depth_wanted:
            self.depth_wanted = wanted
            if self.on_depth is not None:  # a quote connection counts its quote subscriptions
                self.status.subscribed = len(wanted)
            self._depth_wanted_changed.set()

    async def run(self) -> None:
        """Stay connected until cancelled (a depth connection: while some book is wanted)."""
        attempt = 0
        while True:
            if self.on_depth is not None:
                await self._until_depth_wanted()
            started = time.monotonic()
            rotate = False
            try:
                rotate = await self._connect_once()
            except asyncio.CancelledError:
                self.status.state = "stopped"
                raise
            except (
                OSError,
                TimeoutError,
                websockets.WebSocketException,
                aiohttp.ClientError,
                FrameError,
                _DeadlineMissed,
                _ServerClosed,
            ) as exc:
                if not isinstance(exc, _DeadlineMissed):  # the guard has told of those already
                    own = isinstance(exc, _ServerClosed)  # its text already says what happened
                    self.status.record_error(str(exc) if own else f"{type(exc).__name__}: {exc}")
                    logger.warning("%s: connection lost: %s", self.exchange_id, exc)
            except Exception as exc:
                # A bug must not silence an exchange for good: log it loudly, then reconnect.
                self.status.record_error(f"internal error: {type(exc).__name__}: {exc}")
                logger.exception("%s: session failed unexpectedly", self.exchange_id)
            self.status.connected_since_ms = None
            if self.on_down is not None:
                self.on_down(self.exchange_id, sorted({i.instrument for i in self.instruments.values()}))
            if rotate:
                attempt = 0
                continue
            if time.monotonic() - started > HEALTHY_AFTER_S:
                attempt = 0
            delay = backoff_delay_s(attempt, self.backoff_initial_s, self.backoff_max_s, self.rng)
            attempt += 1
            self.status.reconnects += 1
            self.status.state = "backoff"
            await asyncio.sleep(delay)

    async def _until_depth_wanted(self) -> None:
        while not self.depth_wanted:
            self.status.state = "idle"
            self.idle.set()
            self._depth_wanted_changed.clear()
            await self._depth_wanted_changed.wait()
        self.idle.clear()

    async def _follow_depth_wanted(self, ws: ClientConnection, subscribed: set[str]) -> bool:
        """Keep an open depth connection's subscriptions on what is wanted; once nothing is,
        close it and return True."""
        while True:
            await self._depth_wanted_changed.wait()
            self._depth_wanted_changed.clear()
            wanted = self.depth_wanted
            if not wanted:
                self._guard_closing = True
                await ws.close(CLOSE_NOTHING_WANTED, "no depth wanted")
                return True
            gone, new = sorted(subscribed - wanted), sorted(wanted - subscribed)
            if gone and self.connector.depth_unsubscribe_ends_all:
                new = sorted(wanted)
            messages = self.connector.depth_unsubscribe_messages(gone) if gone else []
            messages += self.connector.depth_subscribe_messages(new) if new else []
            for message in messages:
                await ws.send(message)
            subscribed.difference_update(gone)
            subscribed.update(new)
            # Changes are gathered for a while: exchanges cap subscription requests per connection.
            await asyncio.sleep(self.connector.depth_resubscribe_gap_s)

    async def _connect_once(self) -> bool:
        """One connection's life. True when it ended for a planned rotation (or, for a depth
        connection, because no book is wanted any more)."""
        self.status.state = "connecting"
        ws_url = await self._ws_url()
        async with connect(
            ws_url,
            additional_headers=self.connector.ws_headers or None,
            ping_interval=None,  # the guard sends the heartbeat the exchange asks for
            open_timeout=10,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=2**23,
            create_connection=_HeartbeatAwareConnection,
        ) as ws:
            ws.on_heartbeat = self._heartbeat_arrived
            self.status.state = "connected"
            self.status.connected_since_ms = clock.now_ms()
            deadlines = self._open_deadlines(self.heartbeat_interval_s)
            self._guard_closing = False
            follower = None
            if self.on_depth is None:
                messages = self.connector.subscribe_messages(sorted(self.instruments))
            else:
                subscribed = set(self.depth_wanted)
                self._depth_wanted_changed.clear()
                messages = self.connector.depth_subscribe_messages(sorted(subscribed))
                follower = asyncio.create_task(self._follow_depth_wanted(ws, subscribed))
            for n, message in enumerate(messages):
                if n and self.connector.subscribe_gap_s:  # within the exchange's message rate
                    await asyncio.sleep(self.connector.subscribe_gap_s)
                await ws.send(message)
            state: dict = {}

            async def send_heartbeat() -> None:
                message = self.connector.heartbeat_message()
                await (ws.ping() if message is None else ws.send(message))

            async def close(code: int, reason: str) -> None:
                if code == CLOSE_DEADLINE_MISSED:
                    ws.close_timeout = DEAD_PEER_CLOSE_TIMEOUT_S
                await ws.close(code, reason)

            guard = asyncio.create_task(self._guard(deadlines, send_heartbeat, close))
            try:
                try:
                    async for raw in ws:
                        if (reply := self._on_frame(raw, state)) is not None:
                            await ws.send(reply)
                        if state.get(RECONNECT_REQUESTED):
                            # The exchange announced it will close this socket (OKX's 64008
                            # before an upgrade): reconnect now, without backoff.
                            logger.info("%s: %s; reconnecting", self.exchange_id, state[RECONNECT_REQUESTED])
                            await ws.close(CLOSE_ROTATING, "exchange asked")
                            return True
                except websockets.ConnectionClosed:
                    if not self._guard_closing:
                        raise
                    # The guard (or the depth follower) closed the socket and the read noticed
                    # first: let it finish, so its reason (a missed deadline, rotation) is the one reported.
                    closers = {guard} if follower is None else {guard, follower}
                    await asyncio.wait(closers, timeout=CLOSE_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
                # The guard closed the socket: its reason (a missed deadline, rotation) is the one to report.
                if guard.done():
                    return guard.result()  # a rotation, or a missed deadline raised
                if follower is not None and follower.done():
                    return follower.result()  # no book wanted any more
                raise _ServerClosed(f"closed by the server: code {ws.close_code} {ws.close_reason or ''}".strip())
            finally:
                guard.cancel()
                if follower is not None:
                    follower.cancel()
                self.status.unknown_symbols += state.get("unknown_symbols", 0)

    async def _ws_url(self) -> str:
        """The URL for the next connection; a fresh token first where the exchange wants one."""
        if self.connector.token_path is None:
            return self.endpoints.ws_url
        body = await fetch_token(self.exchange_id, self.endpoints.rest_url)
        endpoint = self.connector.ws_url_from_token(body, self.endpoints.ws_url)
        self.heartbeat_interval_s = endpoint.heartbeat_interval_s or self.connector.heartbeat_interval_s
        self._announced_heartbeat_timeout_s = endpoint.heartbeat_timeout_s
        return endpoint.ws_url

    def _open_deadlines(self, heartbeat_interval_s: float | None) -> ConnectionDeadlines:
        """The deadlines of a connection opening now; `heartbeat_interval_s` None: the client does not ping."""
        self._deadlines = ConnectionDeadlines(
            time.monotonic(),
            stall_timeout_s=self.stall_timeout_s,
            heartbeat_interval_s=heartbeat_interval_s,
            heartbeat_timeout_s=(
                self.heartbeat_timeout_s or self._announced_heartbeat_timeout_s or self.connector.heartbeat_timeout_s
            ),
            lifetime_s=self.connector.max_lifetime_s,
        )
        return self._deadlines

    def _heartbeat_arrived(self) -> None:
        if self._deadlines is not None:
            self._deadlines.heartbeat_arrived(time.monotonic())

    def _on_frame(self, raw: str | bytes, state: dict) -> str | None:
        """Count, parse and deliver one frame; return what the protocol wants sent back, if anything."""
        recv_ns = time.time_ns()
        self.status.messages += 1
        self.status.last_message_ms = recv_ns // 1_000_000
        if self.on_raw is not None:
            self.on_raw(raw, recv_ns)
        if self.on_depth is not None:
            return self._on_depth_frame(raw, state, recv_ns)
        records: list[Depth] = []
        try:
            if self.on_quote_depth is None:
                quotes = parse_frame(self.exchange_id, raw, self.instruments, state, recv_ns)
            else:
                quotes, records = parse_frame_and_depth(
                    self.exchange_id, raw, self.instruments, state, recv_ns, self.depth_wanted
                )
        except FrameError as exc:
            self.status.frame_errors += 1
            self.status.record_error(str(exc))
            self._log_frame_error(exc)
            return None
        if records:
            self.on_quote_depth(records)
        if quotes:
            # Only data counts for the stall watchdog: an exchange that still answers pings
            # but sends no quotes (a subscription silently dropped) must be reconnected too.
            self._deadlines.data_arrived(time.monotonic())
            self.status.quotes += len(quotes)
            self.status.latency_ms = round((recv_ns / 1e6) - quotes[-1].ts_ms, 1)
            self.on_quotes(quotes)
            if self.on_record is not None:
                self.on_record(quotes)
            return None
        if self.connector.is_heartbeat(raw):
            self._heartbeat_arrived()
        return self.connector.control_reply(raw)

    def _on_depth_frame(self, raw: str | bytes, state: dict, recv_ns: int) -> str | None:
        try:
            records = parse_depth(self.exchange_id, raw, self.instruments, state, recv_ns)
        except FrameError as exc:
            self.status.frame_errors += 1
            self.status.record_error(str(exc))
            self._log_frame_error(exc)
            return None
        if records:
            self._deadlines.data_arrived(time.monotonic())
            self.on_depth(records)
            return None
        if self.connector.is_heartbeat(raw):
            self._heartbeat_arrived()
        return self.connector.control_reply(raw)

    def _log_frame_error(self, exc: FrameError) -> None:
        # A misbehaving exchange can send thousands of bad frames: log at most one per 5 s.
        now = time.monotonic()
        if now - self._error_log_mark < 5:
            self._errors_unlogged += 1
            return
        logger.warning("%s: dropped frame (%d more since last log): %s", self.exchange_id, self._errors_unlogged, exc)
        self._error_log_mark = now
        self._errors_unlogged = 0

    async def _guard(
        self,
        deadlines: ConnectionDeadlines,
        send_heartbeat: Callable[[], Awaitable[None]] | None,
        close: Callable[[int, str], Awaitable[None]] | None,
    ) -> bool:
        """One connection's heartbeat, deadlines and lifetime, for both session kinds.

        Sends `send_heartbeat()` when due (None: the client does not ping). When a deadline
        passes, closes the connection and raises _DeadlineMissed; before the lifetime runs out,
        closes it and returns True. `close` None: the caller closes when the guard ends.
        """
        while True:
            await asyncio.sleep(deadlines.tick_s)
            now = time.monotonic()
            missed = deadlines.missed(now)
            if missed is not None:
                if missed.kind == NO_HEARTBEAT:
                    self.status.heartbeat_timeouts += 1
                self.status.record_error(missed.reason)
                logger.warning("%s: %s; reconnecting", self.exchange_id, missed.reason)
                self._guard_closing = True
                if close is not None:
                    await close(CLOSE_DEADLINE_MISSED, missed.kind)
                raise _DeadlineMissed(missed.reason)
            if deadlines.lifetime_over(now):
                logger.info("%s: rotating connection before the server's lifetime limit", self.exchange_id)
                self._guard_closing = True
                if close is not None:
                    await close(CLOSE_ROTATING, "rotating")
                return True
            if send_heartbeat is not None and deadlines.ping_due(now):
                await send_heartbeat()
