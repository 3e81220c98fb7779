"""CoinDCX futures as the simulator serves it: the active-instrument list, instrument details (with
each pair's `funding_frequency` in hours) and the current prices with each pair's funding rate
`fr` over REST (all on one host: live, the prices are on public.coindcx.com), and a Socket.IO
server (python-socketio on the same aiohttp app, /socket.io/, WebSocket transport only) where
clients `join` order-book channels and receive `depth-snapshot` then `depth-update` events whose
`data` is a JSON string, at the depth each channel names (10, 20 or 50 levels a side; the first
the market's top of book, as every simulated book's).

Engine.IO does the heartbeat: the server pings every `server_ping_interval_s` (25 s live),
`delay_pong_s` later under that fault, and drops a client that has not answered within the ping
timeout (20 s live). CoinDCX acknowledges nothing and reports no errors on the public stream: an
unknown channel is simply silent.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal

import socketio
from aiohttp import web

from feeds.simulator.base import SimExchange
from feeds.simulator.market import Coin, Market
from lib import clock

SOCKETIO_PATH = "socket.io"
DEPTHS = (10, 20, 50)
ACTIVE_INSTRUMENTS_PATH = "/exchange/v1/derivatives/futures/data/active_instruments"
INSTRUMENT_PATH = "/exchange/v1/derivatives/futures/data/instrument"
CURRENT_PRICES_PATH = "/market_data/v3/current_prices/futures/rt"  # public.coindcx.com, live


def _pair(coin: str) -> str:
    return f"B-{coin}_USDT"


@dataclass
class _Channel:
    coin: str
    depth: int
    vs: int = 0
    held: tuple[dict[str, str], dict[str, str]] | None = None  # what the client holds: bids, asks
    last_snapshot: float = field(default_factory=time.monotonic)


@dataclass
class _Client:
    request: web.Request
    channels: dict[str, _Channel] = field(default_factory=dict)
    streamer: asyncio.Task | None = None


class CoinDCXSim(SimExchange):
    id = "coindcx"
    ws_path = "/socket.io/"
    default_server_ping_s = 25.0  # Engine.IO pingInterval
    ping_timeout_s = 20.0  # Engine.IO pingTimeout (scaled down with a test's ping interval)
    # A fresh depth-snapshot this often on each channel, between the depth-updates.
    snapshot_interval_s = 10.0

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        super().__init__(market, server_ping_interval_s)
        ping_timeout_s = self.ping_timeout_s if server_ping_interval_s is None else server_ping_interval_s
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            transports=["websocket"],  # CoinDCX serves no long-polling
            ping_interval=self.server_ping_interval_s,
            ping_timeout=ping_timeout_s,
            logger=False,
            engineio_logger=False,
        )
        self.clients: dict[str, _Client] = {}
        self._prices_vs = 0
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("join", self._on_join)
        self.sio.on("leave", self._on_leave)

    # --- HTTP --------------------------------------------------------------------------------
    def app(self) -> web.Application:
        # Socket.IO replaces the plain WebSocket route of SimExchange.app().
        app = web.Application()
        app.add_routes(self.rest_routes())
        app.add_routes([web.get("/_sim/faults", self._get_faults), web.post("/_sim/faults", self._set_faults)])
        self.sio.attach(app, socketio_path=SOCKETIO_PATH)
        return app

    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get(ACTIVE_INSTRUMENTS_PATH, self.active_instruments),
            web.get(INSTRUMENT_PATH, self.instrument),
            web.get(CURRENT_PRICES_PATH, self.current_prices),
        ]

    async def current_prices(self, request: web.Request) -> web.Response:
        """Every listed pair's figures, `fr` the funding rate per event, as JSON numbers."""
        now_ms = clock.now_ms()
        self._prices_vs += 1
        prices = {}
        for name in self.market.listed(self.id):
            book, funding = self.market.book(self.id, name), self.market.funding(self.id, name, now_ms)
            mark = (book.bid + book.ask) / 2
            prices[_pair(name)] = {
                "fr": float(funding.rate),
                "efr": float(funding.rate),
                "ls": float(book.bid),
                "mp": float(mark),
                "mkt": f"{name}USDT",
                "bmST": now_ms // 1000 * 1000,
                "cmRT": now_ms,
            }
        return web.json_response({"ts": now_ms, "vs": self._prices_vs, "prices": prices})

    async def active_instruments(self, request: web.Request) -> web.Response:
        return web.json_response([_pair(coin) for coin in self.market.listed(self.id)])

    async def instrument(self, request: web.Request) -> web.Response:
        pair = request.query.get("pair", "")
        coin = self._listed_pairs().get(pair)
        detail = {
            "settle_currency_short_name": "USDT",
            "quote_currency_short_name": "USDT",
            "status": "active",
            "kind": "perpetual",
            "settlement": "never",
            "unit_contract_value": 1.0,
            "quantity_increment": 0.001,
            "min_quantity": 0.001,
            "is_inverse": False,
            "is_quanto": False,
        }
        if coin is not None:
            detail |= {
                "pair": pair,
                "underlying_currency_short_name": coin.name,
                "position_currency_short_name": coin.name,
            }
            detail["price_increment"] = float(coin.tick)
            detail["funding_frequency"] = self.market.funding(self.id, coin.name, 0).interval_h
        elif pair == "B-LUNA_USDT":  # delisted: a connector must leave it out
            detail |= {"pair": pair, "underlying_currency_short_name": "LUNA", "status": "inactive"}
        elif pair == "B-BTC_USDT_260925":  # a dated contract: not a perpetual
            detail |= {"pair": pair, "underlying_currency_short_name": "BTC", "kind": "future"}
        else:
            return web.json_response({"code": 422, "message": "Invalid pair", "status": "error"}, status=422)
        return web.json_response({"instrument": detail})

    # --- Socket.IO ---------------------------------------------------------------------------
    async def _on_connect(self, sid: str, environ: dict, auth: object = None) -> None:
        client = self.clients[sid] = _Client(request=environ["aiohttp.request"])
        client.streamer = asyncio.create_task(self._stream_to(sid, client))
        async with self._connection_opened:
            self.connections_total += 1
            self._connection_opened.notify_all()

    async def _on_disconnect(self, sid: str, *reason: object) -> None:
        client = self.clients.pop(sid, None)
        if client is not None and client.streamer is not None:
            client.streamer.cancel()

    async def _on_join(self, sid: str, data: object) -> None:
        self.messages_received += 1
        client = self.clients.get(sid)
        name = data.get("channelName") if isinstance(data, dict) else None
        channel = self._channel(name) if isinstance(name, str) else None
        if client is not None and channel is not None:
            client.channels[name] = channel  # unknown channels: silence, as on the real stream

    async def _on_leave(self, sid: str, data: object) -> None:
        self.messages_received += 1
        client = self.clients.get(sid)
        if client is not None and isinstance(data, dict):
            client.channels.pop(data.get("channelName"), None)

    def _channel(self, name: str) -> _Channel | None:
        pair, _, rest = name.partition("@orderbook@")
        depth, _, product = rest.partition("-")
        coin = self._listed_pairs().get(pair)
        if coin is None or product != "futures" or not depth.isdigit() or int(depth) not in DEPTHS:
            return None
        return _Channel(coin=coin.name, depth=int(depth))

    def _listed_pairs(self) -> dict[str, Coin]:
        return {_pair(name): coin for name, coin in self.market.listed(self.id).items()}

    async def _stream_to(self, sid: str, client: _Client) -> None:
        while sid in self.clients:
            await self.market.next_step()
            # python-engineio waits its ping_interval before each next ping: late pings, when told.
            self.sio.eio.ping_interval = self.server_ping_interval_s + self.faults.delay_pong_s
            if self.faults.stall:
                continue
            if self.faults.garbage:
                await self.sio.emit("depth-update", {"event": "depth-update", "data": "}{ not json"}, to=sid)
                await self.sio.emit("depth-snapshot", "garbage", to=sid)
            if self.faults.error:
                # No documented error event: an error-shaped body where the data string belongs.
                error = {"code": 500, "message": "Internal server error", "status": "error"}
                await self.sio.emit("depth-snapshot", {"event": "depth-snapshot", "data": error}, to=sid)
            moved = self.market.moved
            for channel in list(client.channels.values()):
                if channel.coin not in moved:
                    continue
                event, data = self._depth_event(channel)
                if data is not None:
                    await self.sio.emit(event, {"event": event, "data": data}, to=sid)

    def _depth_event(self, channel: _Channel) -> tuple[str, str | None]:
        bids, asks = _levels(*self.market.depth(self.id, channel.coin, channel.depth))
        now = time.monotonic()
        if channel.held is None or now - channel.last_snapshot > self.snapshot_interval_s:
            event, bid_changes, ask_changes = "depth-snapshot", bids, asks
            channel.last_snapshot = now
        else:
            event = "depth-update"
            bid_changes, ask_changes = _changes(channel.held[0], bids), _changes(channel.held[1], asks)
            if not bid_changes and not ask_changes:
                return event, None
        channel.held = (bids, asks)
        channel.vs += 1
        inner = {
            "ts": clock.now_ms(),
            "vs": channel.vs,
            "asks": ask_changes,
            "bids": bid_changes,
            "s": f"{channel.coin}USDT",
            "pr": "futures",
        }
        return event, json.dumps(inner, separators=(",", ":"))

    # --- faults ------------------------------------------------------------------------------
    def drop_connections(self) -> None:
        """Cut every connection without a close frame, as a network failure would."""
        for client in list(self.clients.values()):
            if client.request.transport is not None:
                client.request.transport.abort()

    async def close_connections(self, code: int, reason: str = "") -> None:
        # Socket.IO carries no close code: the server closes a client with a disconnect packet.
        for sid in list(self.clients):
            await self.sio.disconnect(sid)


def _levels(bids: list[tuple[Decimal, float]], asks: list[tuple[Decimal, float]]) -> tuple[dict, dict]:
    """The market's levels (best first, sizes in the coin) as the channel sends them: unsorted
    maps of strings, price -> size."""
    return {str(p): _size(size) for p, size in bids}, {str(p): _size(size) for p, size in asks}


def _size(size: float) -> str:
    # Never "0.000" for a small level: size "0" deletes the price.
    return f"{size:.3f}" if size >= 0.001 else f"{size:.3g}"


def _changes(held: dict[str, str], now: dict[str, str]) -> dict[str, str]:
    """Levels to send so that `held` becomes `now`: new or resized levels, and "0" for gone ones."""
    changes = {price: size for price, size in now.items() if held.get(price) != size}
    changes.update({price: "0" for price in held if price not in now})
    return changes
