"""What every simulated exchange shares: its HTTP app, its live connections and its faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from contextvars import ContextVar
from dataclasses import asdict, dataclass, fields

from aiohttp import WSMessage, WSMsgType, web

from feeds.simulator.market import Market

logger = logging.getLogger(__name__)

# The instrument family of the socket being served ("" for the exchange's first socket); set
# per connection task, read by serve_socket through `socket_family()`.
_socket_family: ContextVar[str] = ContextVar("sim_socket_family", default="")


@dataclass
class Faults:
    """Switchable misbehaviour, per exchange. `drop` and `close_code` act once, at once."""

    stall: bool = False  # keep the socket open, send nothing
    garbage: bool = False  # send bytes that are no frame at all
    error: bool = False  # send the exchange's error frames
    # The exchange's side of the heartbeat comes this late: its pongs to client pings, and the
    # pings or heartbeat messages of exchanges that ping their clients.
    delay_pong_s: float = 0.0


class SimSocket(web.WebSocketResponse):
    """A server socket that answers pings itself and notes when the client's pongs arrive
    (aiohttp's autoping answers too, but swallows the pongs unseen)."""

    def __init__(self) -> None:
        super().__init__(autoping=False)
        self.last_pong = time.monotonic()

    async def receive(self, timeout: float | None = None) -> WSMessage:  # noqa: ASYNC109 (aiohttp's signature)
        while True:
            msg = await super().receive(timeout)
            if msg.type == WSMsgType.PING:
                await self.pong(msg.data)
            elif msg.type == WSMsgType.PONG:
                self.last_pong = time.monotonic()
            else:
                return msg


class SimExchange:
    id: str
    ws_path: str
    # Sockets of further instrument families on the same host (Bybit's `/v5/public/inverse`,
    # Gate's `/v4/ws/btc`): path -> family name, which serve_socket reads with socket_family().
    family_ws_paths: dict[str, str] = {}
    # How often the exchange pings its clients (None: it does not); the client must pong.
    default_server_ping_s: float | None = None

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        self.market = market
        self.faults = Faults()
        self.server_ping_interval_s = server_ping_interval_s or self.default_server_ping_s
        self.connections: set[web.WebSocketResponse] = set()
        self.connections_total = 0
        self.messages_received = 0
        self._connection_opened = asyncio.Condition()

    # --- what a simulated exchange provides ---------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        raise NotImplementedError

    # --- shared machinery ---------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.rest_routes())
        app.add_routes(
            [
                web.get(self.ws_path, self._socket),
                *(web.get(path, self._socket) for path in self.family_ws_paths),
                web.get("/_sim/faults", self._get_faults),
                web.post("/_sim/faults", self._set_faults),
                web.post("/_sim/divergence", self._diverge),
            ]
        )
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=400, text="WebSocket upgrade required")
        _socket_family.set(self.family_ws_paths.get(request.path, ""))
        ws = SimSocket()
        await ws.prepare(request)
        self.connections.add(ws)
        async with self._connection_opened:
            self.connections_total += 1
            self._connection_opened.notify_all()
        pinger = asyncio.create_task(self._ping(ws)) if self.server_ping_interval_s else None
        try:
            await self.serve_socket(ws)
        finally:
            if pinger is not None:
                pinger.cancel()
            self.connections.discard(ws)
            if not ws.closed:
                await ws.close()
        return ws

    async def _ping(self, ws: SimSocket) -> None:
        """What the exchanges that ping do: a ping every interval (later under `delay_pong_s`), and
        the connection closed when the pong has not come back within half an interval."""
        interval_s = self.server_ping_interval_s
        with contextlib.suppress(ConnectionError):
            while not ws.closed:
                await asyncio.sleep(interval_s)
                await pong_delay(self.faults)
                pinged = time.monotonic()
                await ws.ping()
                await asyncio.sleep(interval_s / 2)
                if ws.last_pong < pinged:
                    await ws.close(code=1000, message=b"pong timeout")

    async def wait_for_connections(self, total: int, timeout_s: float) -> None:
        """Until `total` connections have been opened since start (tests, fault drills)."""
        async with asyncio.timeout(timeout_s), self._connection_opened:
            await self._connection_opened.wait_for(lambda: self.connections_total >= total)

    async def _get_faults(self, request: web.Request) -> web.Response:
        return web.json_response({**asdict(self.faults), "connections": len(self.connections)})

    async def _set_faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        known = {f.name for f in fields(Faults)}
        for name, value in body.items():
            if name in known:
                setattr(self.faults, name, type(getattr(self.faults, name))(value))
        if body.get("drop"):
            self.drop_connections()
        if body.get("close_code"):
            await self.close_connections(int(body["close_code"]))
        return await self._get_faults(request)

    async def _diverge(self, request: web.Request) -> web.Response:
        """Move this exchange's price of one coin away from the others for a while (demos, tests)."""
        body = await request.json()
        try:
            coin, bps, steps = str(body["coin"]), float(body["bps"]), int(body.get("steps", 100))
        except (KeyError, TypeError, ValueError):
            return web.json_response({"error": "expected coin, bps and optionally steps"}, status=400)
        if coin not in self.market.coins:
            return web.json_response({"error": f"unknown coin {coin}"}, status=400)
        self.market.inject_divergence(self.id, coin, bps, steps)
        return web.json_response({"coin": coin, "bps": bps, "steps": steps})

    def drop_connections(self) -> None:
        """Cut every connection without a close frame, as a network failure would."""
        for ws in list(self.connections):
            transport = ws._req.transport if ws._req is not None else None
            if transport is not None:
                transport.abort()

    async def close_connections(self, code: int, reason: str = "") -> None:
        for ws in list(self.connections):
            await ws.close(code=code, message=reason.encode())

    async def send_garbage(self, ws: web.WebSocketResponse) -> None:
        await ws.send_bytes(os.urandom(64))
        await ws.send_str("}{ not json")

    async def stream(self, ws: web.WebSocketResponse, send_books) -> None:
        """Each market step: the faults, then `send_books()` for what the client subscribed to."""
        while not ws.closed:
            await self.market.next_step()
            if self.faults.stall:
                continue
            if self.faults.garbage:
                await self.send_garbage(ws)
            await send_books()


def socket_family() -> str:
    """The family of the socket serve_socket is serving: "" for `ws_path`, else its name."""
    return _socket_family.get()


async def pong_delay(faults: Faults) -> None:
    if faults.delay_pong_s:
        await asyncio.sleep(faults.delay_pong_s)
