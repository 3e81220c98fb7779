"""Phemex as the simulator serves it: /public/products (with each USDⓈ-M contract's funding interval
in seconds, each COIN-M one's in hours), the 24-hour tickers with the funding rate (/md/v2/ticker/
24hr real-valued for USDⓈ-M, /md/v1/ticker/24hr scaled for COIN-M), and the DataGW socket on `/`, with the
order book of both families (USDⓈ-M real values, COIN-M scaled integers) at the depth each
subscription asks for (1, 5, 10 or 30; 0, the whole book, is served as 30), its best level the
same at every depth, snapshot then incremental frames, the documented unsubscribe that ends every
book of its family on the connection, `server.ping` answered with a pong, and clients that stop
pinging dropped.

Only application-level `server.ping` counts as a heartbeat here: aiohttp answers WebSocket ping
frames itself without telling the handler (the real DataGW accepts either).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import HOUR_MS

MAX_SUBSCRIPTIONS = 20
PRICE_SCALE = 4  # COIN-M prices are integers: price × 10^4
RATIO_SCALE = 8  # COIN-M ratios (the funding rate) too: rate × 10^8
INVERSE = {"BTCUSD": "BTC", "cETHUSD": "ETH"}  # COIN-M symbol -> coin (each contract 1 USD)
INVALID_ARGUMENT = {"code": 6001, "message": "invalid argument"}
DEPTHS = (0, 1, 5, 10, 30)
FULL_BOOK_LEVELS = 30  # what depth 0 serves here


def _linear_symbol(coin: str) -> str:
    return f"{coin}USDT"


@dataclass
class _Subscription:
    symbol: str
    coin: str
    scaled: bool  # COIN-M: integer prices and USD contracts
    depth: int = 1  # the levels a side the window keeps; 0: the whole book
    sent: tuple[dict, dict] | None = None  # the levels the client holds: (bids, asks)


@dataclass
class _Client:
    subscriptions: dict[str, _Subscription] = field(default_factory=dict)
    last_ping: float = field(default_factory=time.monotonic)
    last_snapshot: float = field(default_factory=time.monotonic)
    pending_pongs: set[asyncio.Task] = field(default_factory=set)


class PhemexSim(SimExchange):
    id = "phemex"
    ws_path = "/"
    default_server_ping_s = None  # DataGW does not ping; clients must
    # The real DataGW drops a client that has not pinged for 30 s; tests shorten it.
    client_heartbeat_timeout_s = 30.0
    # A fresh snapshot this often, as the real one does every 60 s.
    snapshot_interval_s = 60.0

    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/public/products", self.products),
            web.get("/md/v2/ticker/24hr", self.ticker),
            web.get("/md/v1/ticker/24hr", self.coin_m_ticker),
        ]

    async def coin_m_ticker(self, request: web.Request) -> web.Response:
        """The COIN-M ticker: prices scaled by priceScale, the funding rate by ratioScale."""
        symbol = request.query.get("symbol", "")
        coin = INVERSE.get(symbol)
        if coin is None:
            return web.json_response({"error": INVALID_ARGUMENT, "id": 0, "result": None})
        now_ns = time.time_ns()
        funding = self.market.funding(self.id, coin, now_ns // 1_000_000, symbol=symbol)
        book = self.market.book(self.id, coin)
        result = {
            "askEp": int(book.ask.scaleb(PRICE_SCALE)),
            "bidEp": int(book.bid.scaleb(PRICE_SCALE)),
            "fundingRateEr": int(funding.rate.scaleb(RATIO_SCALE)),
            "markEp": int(book.bid.scaleb(PRICE_SCALE)),
            "predFundingRateEr": int(funding.rate.scaleb(RATIO_SCALE)),
            "symbol": symbol,
            "timestamp": now_ns,
        }
        return web.json_response({"error": None, "id": 0, "result": result})

    async def ticker(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        linear = {_linear_symbol(coin): coin for coin in self.market.listed(self.id)}
        if symbol not in linear:
            return web.json_response({"error": INVALID_ARGUMENT, "id": 0, "result": None})
        now_ns = time.time_ns()
        funding = self.market.funding(self.id, linear[symbol], now_ns // 1_000_000)
        book = self.market.book(self.id, linear[symbol])
        rate = str(funding.rate)
        result = {
            "closeRp": str(book.bid),
            "fundingRateRr": rate,  # a real-valued string, as Phemex sends it
            "markPriceRp": str(book.bid),
            "predFundingRateRr": rate,
            "symbol": symbol,
            "timestamp": now_ns,
        }
        return web.json_response({"error": None, "id": 0, "result": result})

    async def products(self, request: web.Request) -> web.Response:
        perp_v2 = [
            {
                "symbol": _linear_symbol(coin.name),
                "code": 41541 + n,
                "type": "PerpetualV2",
                "displaySymbol": f"{coin.name} / USDT",
                "indexSymbol": f".{coin.name}USDT",
                "contractUnderlyingAssets": coin.name,
                "settleCurrency": "USDT",
                "quoteCurrency": "USDT",
                "tickSize": str(coin.tick),
                "priceScale": 0,
                "ratioScale": 0,
                "pricePrecision": 1,
                "baseCurrency": coin.name,
                "status": "Listed",
                "qtyStepSize": "0.001",
                "maxOrderQtyRq": "1000",
                "fundingInterval": self.market.funding(self.id, coin.name, 0).interval_h * HOUR_MS // 1000,  # seconds
            }
            for n, coin in enumerate(self.market.listed(self.id).values())
        ]
        # A delisted one and a pre-listing ("pilot") one, which a connector must leave out.
        perp_v2.append({**perp_v2[0], "symbol": "LUNAUSDT", "baseCurrency": "LUNA", "status": "Delisted"})
        perp_v2.append({**perp_v2[0], "symbol": "NEWUSDT", "baseCurrency": "NEW", "type": "PerpetualPilot"})
        products = [
            {
                "symbol": symbol,
                "type": "Perpetual",
                "displaySymbol": f"{coin} / USD",
                "contractUnderlyingAssets": "USD",
                "settleCurrency": coin,
                "quoteCurrency": "USD",
                "contractSize": 1.0,
                "lotSize": 1,
                "tickSize": float(self.market.coins[coin].tick),
                "priceScale": PRICE_SCALE,
                "ratioScale": RATIO_SCALE,
                "pricePrecision": 1,
                "status": "Listed",
                "fundingInterval": self.market.funding(self.id, coin, 0, symbol=symbol).interval_h,  # hours
            }
            for symbol, coin in INVERSE.items()
        ]
        # A spot pair (not a contract) and a delisted USD-settled legacy contract.
        products.append({"symbol": "sBTCUSDT", "type": "Spot", "quoteCurrency": "USDT", "status": "Listed"})
        products.append({**products[0], "symbol": "XRPUSD", "settleCurrency": "USD", "status": "Delisted"})
        return web.json_response(
            {"code": 0, "msg": "", "data": {"ratioScale": 8, "products": products, "perpProductsV2": perp_v2}}
        )

    def _subscription(self, method: str, params: list) -> _Subscription | None:
        symbol = params[0] if params and isinstance(params[0], str) else None
        depth = params[2] if len(params) > 2 else 0  # without a depth: the whole book
        if type(depth) is not int or depth not in DEPTHS:
            return None
        linear = {_linear_symbol(coin): coin for coin in self.market.listed(self.id)}
        if method == "orderbook_p.subscribe" and symbol in linear:
            return _Subscription(symbol, linear[symbol], scaled=False, depth=depth)
        if method == "orderbook.subscribe" and symbol in INVERSE:
            return _Subscription(symbol, INVERSE[symbol], scaled=True, depth=depth)
        return None  # unknown symbol or depth, or a symbol of the other family

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        client = _Client()
        sequence = [0]

        async def send_books() -> None:
            if self.faults.error:
                await ws.send_str(json.dumps({"error": INVALID_ARGUMENT, "id": None, "result": None}))
            now = time.monotonic()
            snapshot_due = now - client.last_snapshot > self.snapshot_interval_s
            if snapshot_due:
                client.last_snapshot = now
            moved = self.market.moved
            for sub in list(client.subscriptions.values()):
                if client.subscriptions.get(sub.symbol) is not sub:
                    continue  # unsubscribed while the frames before were sent
                if sub.coin not in moved and not snapshot_due and sub.sent is not None:
                    continue  # its book has not moved since the last frame
                sequence[0] += 1
                frame = self._book_frame(sub, sequence[0], snapshot_due)
                if frame is not None:
                    await ws.send_str(frame)

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._drop_when_silent(ws, client))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                await self._answer(ws, client, msg.data, sequence)
        finally:
            for task in (streamer, watchdog, *client.pending_pongs):
                task.cancel()

    async def _answer(self, ws: web.WebSocketResponse, client: _Client, text: str, sequence: list[int]) -> None:
        try:
            request = json.loads(text)
            method, request_id = request["method"], request.get("id")
            params = request.get("params") or []
        except (ValueError, KeyError, TypeError, AttributeError):
            method, request_id, params = None, None, []
        if method == "server.ping":
            client.last_ping = time.monotonic()
        if self.faults.stall:
            return  # a stalled gateway answers nothing, not even pings
        if method is None:
            await ws.send_str(json.dumps({"error": INVALID_ARGUMENT, "id": None, "result": None}))
            return
        if method == "server.ping":
            # Answered from a task, so a delayed pong (Faults.delay_pong_s) holds up nothing else.
            pong = asyncio.create_task(self._pong(ws, request_id))
            client.pending_pongs.add(pong)
            pong.add_done_callback(client.pending_pongs.discard)
            return
        if method in ("orderbook_p.subscribe", "orderbook.subscribe"):
            sub = self._subscription(method, params)
            if sub is None or len(client.subscriptions) >= MAX_SUBSCRIPTIONS:
                await ws.send_str(json.dumps({"error": INVALID_ARGUMENT, "id": request_id, "result": None}))
                return
            client.subscriptions[sub.symbol] = sub
            await ws.send_str(json.dumps({"error": None, "id": request_id, "result": {"status": "success"}}))
            # "DataGW will immediately send the current Order Book snapshot".
            sequence[0] += 1
            await ws.send_str(self._book_frame(sub, sequence[0], True))
            return
        if method in ("orderbook_p.unsubscribe", "orderbook.unsubscribe"):
            scaled = method == "orderbook.unsubscribe"
            for symbol in [s for s, sub in client.subscriptions.items() if sub.scaled == scaled]:
                del client.subscriptions[symbol]
            await ws.send_str(json.dumps({"error": None, "id": request_id, "result": {"status": "success"}}))
            return
        await ws.send_str(json.dumps({"error": INVALID_ARGUMENT, "id": request_id, "result": None}))

    async def _pong(self, ws: web.WebSocketResponse, request_id: object) -> None:
        await pong_delay(self.faults)
        if not ws.closed:
            await ws.send_str(json.dumps({"error": None, "id": request_id, "result": "pong"}))

    async def _drop_when_silent(self, ws: web.WebSocketResponse, client: _Client) -> None:
        while not ws.closed:
            timeout_s = self.client_heartbeat_timeout_s
            await asyncio.sleep(timeout_s / 4)
            if time.monotonic() - client.last_ping > timeout_s:
                await ws.close(code=1000, message=b"heartbeat timeout")
                return

    def _book_frame(self, sub: _Subscription, sequence: int, snapshot: bool) -> str | None:
        bids, asks = self._levels(sub)
        if snapshot or sub.sent is None:
            kind, bid_changes, ask_changes = "snapshot", bids, asks
        else:
            kind = "incremental"
            bid_changes, ask_changes = _changes(sub.sent[0], bids), _changes(sub.sent[1], asks)
            if not bid_changes and not ask_changes:
                return None  # nothing changed: the real feed sends nothing either
        sub.sent = (bids, asks)
        to_list = (lambda levels: [[p, q] for p, q in levels.items()]) if sub.scaled else _as_strings
        body = {"asks": to_list(ask_changes), "bids": to_list(bid_changes)}
        frame = {
            "depth": sub.depth,
            "sequence": sequence,
            "symbol": sub.symbol,
            "timestamp": time.time_ns(),
            "type": kind,
        }
        frame["book" if sub.scaled else "orderbook_p"] = body
        return json.dumps(frame, separators=(",", ":"))

    def _levels(self, sub: _Subscription) -> tuple[dict, dict]:
        bids, asks = self.market.depth(self.id, sub.coin, sub.depth or FULL_BOOK_LEVELS)
        if not sub.scaled:
            return _real(bids), _real(asks)
        # COIN-M: integer prices, sizes in 1-USD contracts (base size × price).
        return _scaled(bids), _scaled(asks)


def _real(levels: list[tuple[Decimal, float]]) -> dict:
    return {price: Decimal(f"{size:.3f}") for price, size in levels}


def _scaled(levels: list[tuple[Decimal, float]]) -> dict:
    return {int(price.scaleb(PRICE_SCALE)): max(1, round(size * float(price))) for price, size in levels}


def _changes(held: dict, now: dict) -> dict:
    """Levels to send so that `held` becomes `now`: new or resized levels, and size 0 for gone ones."""
    changes = {price: size for price, size in now.items() if held.get(price) != size}
    changes.update({price: 0 for price in held if price not in now})
    return changes


def _as_strings(levels: dict) -> list[list[str]]:
    return [[str(price), str(size)] for price, size in levels.items()]
