"""One Socket.IO exchange connection (CoinDCX): the same life as ExchangeSession, another wire.

ExchangeSession keeps the reconnect loop, backoff, status, frame handling and the guard of the
connection's deadlines; this subclass only replaces `_connect_once`. Engine.IO's own ping/pong
keeps the socket alive (the client library answers the server's pings), so there is no
application heartbeat: the heartbeat deadline is Engine.IO's, a server ping at least every
pingInterval + pingTimeout as the handshake announced them.

Each event payload is handed to the pure parser as JSON text, as the exchange sent the event's
data (`{"event":"depth-snapshot","data":"<JSON string>"}`). The library has already decoded the
Socket.IO packet, so the payload is re-encoded compactly; the inner `data` string is byte-exact.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import aiohttp
import engineio
import engineio.packet
import msgspec
import socketio
import socketio.exceptions

from feeds.session import ExchangeSession, _ServerClosed
from lib import clock

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
DISCONNECT_TIMEOUT_S = 2.0


class _PingAwareEngineIOClient(engineio.AsyncClient):
    """Reports Engine.IO's ping packets, which the library answers without telling anyone.

    `_receive_packet` is python-engineio's own (pinned in requirements.txt), the one place every
    packet passes; the CoinDCX heartbeat drills fail should it ever move.
    """

    on_ping: Callable[[], None] | None = None

    async def _receive_packet(self, pkt: engineio.packet.Packet) -> None:
        if pkt.packet_type == engineio.packet.PING and self.on_ping is not None:
            self.on_ping()
        await super()._receive_packet(pkt)


class _PingAwareClient(socketio.AsyncClient):
    """python-socketio builds its Engine.IO client from this method; here, the ping-aware one."""

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return _PingAwareEngineIOClient


class SocketIOSession(ExchangeSession):
    async def _connect_once(self) -> bool:
        """One connection's life. True when it ended for a planned rotation."""
        connector = self.connector
        self.status.state = "connecting"
        state: dict = {}
        disconnected = asyncio.Event()
        disconnect_reasons: list[str] = []

        def on_disconnect(reason: object = None) -> None:
            disconnect_reasons.append(str(reason or "unknown"))
            disconnected.set()

        # Our own HTTP session: closing it always releases the socket, whatever state the
        # Socket.IO client is left in (a dead peer, a cancelled task).
        http = aiohttp.ClientSession()
        client = _PingAwareClient(
            reconnection=False, handle_sigint=False, http_session=http, logger=False, engineio_logger=False
        )
        client.eio.on_ping = self._heartbeat_arrived
        client.on("disconnect", on_disconnect)
        for event in getattr(connector, "socketio_events", ()):
            client.on(event, self._event_handler(event, state))
        guard: asyncio.Task | None = None
        closed: asyncio.Task | None = None
        try:
            try:
                await client.connect(
                    self.endpoints.ws_url,
                    transports=["websocket"],
                    socketio_path=getattr(connector, "socketio_path", "socket.io"),
                    wait_timeout=CONNECT_TIMEOUT_S,
                )
            except socketio.exceptions.ConnectionError as exc:
                # ConnectionError is an OSError: the reconnect loop counts it like a refused socket.
                raise ConnectionError(f"Socket.IO connection failed: {exc}") from exc
            self.status.state = "connected"
            self.status.connected_since_ms = clock.now_ms()
            if client.eio.ping_interval is not None and client.eio.ping_timeout is not None:
                self._announced_heartbeat_timeout_s = client.eio.ping_interval + client.eio.ping_timeout
            deadlines = self._open_deadlines(None)  # the server pings; the library answers
            join_event = getattr(connector, "socketio_join_event", "join")
            for message in connector.subscribe_messages(sorted(self.instruments)):
                await client.emit(join_event, json.loads(message))
            # No close for the guard: the `finally` below closes the client however this ends.
            guard = asyncio.create_task(self._guard(deadlines, None, None))
            closed = asyncio.create_task(disconnected.wait())
            await asyncio.wait({guard, closed}, return_when=asyncio.FIRST_COMPLETED)
            if guard.done():
                return guard.result()  # a rotation, or a missed deadline raised
            reason = disconnect_reasons[0] if disconnect_reasons else "unknown"
            raise _ServerClosed(f"closed by the server: {reason}")
        finally:
            for task in (guard, closed):
                if task is not None:
                    task.cancel()
            self.status.unknown_symbols += state.get("unknown_symbols", 0)
            await self._close(client, http)

    async def _close(self, client: socketio.AsyncClient, http: aiohttp.ClientSession) -> None:
        task = asyncio.current_task()
        stopping = task is not None and task.cancelling() > 0
        # A polite disconnect, unless the session is being stopped: then closing the HTTP
        # session below drops the socket at once.
        if client.connected and not stopping:
            try:
                # Bounded: a peer that no longer answers must not hold up the reconnect.
                await asyncio.wait_for(client.disconnect(), DISCONNECT_TIMEOUT_S)
            except TimeoutError:
                logger.warning("%s: Socket.IO disconnect timed out", self.exchange_id)
        await http.close()

    def _event_handler(self, event: str, state: dict) -> Callable[..., None]:
        def handle(*args: object) -> None:
            payload = args[0] if len(args) == 1 else list(args)
            if isinstance(payload, dict) and "event" not in payload:
                payload = {"event": event, **payload}
            try:
                raw = msgspec.json.encode(payload)
            except (TypeError, msgspec.EncodeError):
                raw = b""  # binary attachments or the like: the parser counts it as a bad frame
            self._on_frame(raw, state)

        return handle
