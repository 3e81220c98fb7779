"""KuCoin Futures as the simulator serves it: contracts/active (with each contract's funding rate,
interval and next funding), bullet-public tokens, and the classic socket with its welcome, JSON
ping/pong, tickerV2 and level2Depth50 pushes in integer lots (the depth's first level the ticker's),
acks for subscribe and unsubscribe, and error frames.

KuCoin's docs say a client the server has not heard from "for a long time" is disconnected (observed:
about 60 s, even while data streams). The simulator makes that precise and configurable: no client
message for pingInterval + pingTimeout (18 s + 10 s by default) and the socket is closed."""

from __future__ import annotations

import asyncio
import contextvars
import json
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import Market
from lib import clock

TICKER_TOPIC = "/contractMarket/tickerV2:"
DEPTH_TOPIC = "/contractMarket/level2Depth50:"
DEPTH_LEVELS = 50
MAX_TOPICS_PER_SUBSCRIBE = 100
PING_INTERVAL_S = 18.0  # what bullet-public announces
PING_TIMEOUT_S = 10.0

# Lots per coin, as KuCoin lists them (XBTUSDTM: 0.001 BTC per lot).
LOT_MULTIPLIERS = {
    "BTC": Decimal("0.001"),
    "ETH": Decimal("0.01"),
    "SOL": Decimal("0.1"),
    "XRP": Decimal("10"),
    "DOGE": Decimal("100"),
    "BNB": Decimal("0.01"),
    "ADA": Decimal("10"),
    "LINK": Decimal("0.1"),
}
INVERSE_COINS = ("BTC", "ETH")
USDC_COINS = ("BTC", "ETH")

# The connectId of the socket being served, set before the upgrade (it arrives in the query string).
_connect_id: contextvars.ContextVar[str] = contextvars.ContextVar("kucoin_connect_id", default="")


def _kucoin_code(coin: str) -> str:
    return "XBT" if coin == "BTC" else coin


@dataclass
class _Contract:
    symbol: str
    coin: str
    multiplier: Decimal  # base units per lot; -1 on inverse contracts (1 USD each)
    inverse: bool


@dataclass
class _Connection:
    last_client_message: float = field(default_factory=time.monotonic)
    subscribed: set[str] = field(default_factory=set)
    depth_subscribed: set[str] = field(default_factory=set)
    sequence: int = 1_700_000_000_000
    pending_pongs: set[asyncio.Task] = field(default_factory=set)


class KuCoinSim(SimExchange):
    id = "kucoin"
    ws_path = "/"  # bullet-public names the endpoint; KuCoin's is the host root

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        # KuCoin sends no WebSocket pings: the client pings in JSON at the interval the token names,
        # so `server_ping_interval_s` sets that announced interval instead.
        super().__init__(market)
        self.ping_interval_s = server_ping_interval_s or PING_INTERVAL_S
        # A client silent for ping_interval_s + ping_timeout_s is dropped (tests shrink both).
        self.ping_timeout_s = PING_TIMEOUT_S
        self.pings_received = 0
        self.pongs_sent = 0
        self._pinged = asyncio.Condition()
        self._tokens: set[str] = set()
        self.contracts = {c.symbol: c for c in self._contracts()}

    def _contracts(self) -> list[_Contract]:
        contracts = [
            _Contract(f"{_kucoin_code(name)}USDTM", name, LOT_MULTIPLIERS.get(name, coin.lot), False)
            for name, coin in self.market.listed(self.id).items()
        ]
        contracts += [_Contract(f"{_kucoin_code(c)}USDCM", c, LOT_MULTIPLIERS[c], False) for c in USDC_COINS]
        contracts += [_Contract(f"{_kucoin_code(c)}USDM", c, Decimal(-1), True) for c in INVERSE_COINS]
        return contracts

    # --- REST -----------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v1/contracts/active", self.contracts_active),
            web.post("/api/v1/bullet-public", self.bullet_public),
        ]

    async def contracts_active(self, request: web.Request) -> web.Response:
        data = [self._contract_json(contract) for contract in self.contracts.values()]
        btc = self._contract_json(self.contracts["XBTUSDTM"])
        # A dated future and a paused perpetual, which a connector must leave out.
        dated = {"symbol": "XBTMH26", "type": "FFICSX", "expireDate": 1774598400000, "isInverse": True}
        dated |= {"fundingFeeRate": None, "predictedFundingFeeRate": None, "fundingRateGranularity": None}
        dated |= {"currentFundingRateGranularity": None, "nextFundingRateTime": None, "nextFundingRateDateTime": None}
        data.append({**btc, **dated, "quoteCurrency": "USD", "settleCurrency": "XBT", "multiplier": -1.0})
        data.append({**btc, "symbol": "NEWUSDTM", "baseCurrency": "NEW", "rootSymbol": "USDT", "status": "Paused"})
        return web.json_response({"code": "200000", "data": data})

    def _contract_json(self, contract: _Contract) -> dict:
        coin = self.market.coins[contract.coin]
        code = _kucoin_code(contract.coin)
        quote = "USD" if contract.inverse else contract.symbol[len(code) : -1]
        now_ms = clock.now_ms()
        funding = self.market.funding(self.id, contract.coin, now_ms, symbol=contract.symbol)
        interval_ms = funding.interval_h * 3_600_000
        return {
            "symbol": contract.symbol,
            "rootSymbol": code if contract.inverse else quote,
            "type": "FFWCSX",
            "firstOpenDate": 1585555200000,
            "expireDate": None,
            "settleDate": None,
            "baseCurrency": code,
            "quoteCurrency": quote,
            "settleCurrency": code if contract.inverse else quote,
            "maxOrderQty": 1000000,
            "maxPrice": 1000000.0,
            "lotSize": 1,
            "tickSize": float(coin.tick),  # JSON numbers, as KuCoin sends them
            "indexPriceTickSize": 0.01,
            "multiplier": float(contract.multiplier),
            "isDeleverage": True,
            "isQuanto": not contract.inverse,  # deprecated; true even on XBTUSDTM
            "isInverse": contract.inverse,
            "markMethod": "FairPrice",
            "status": "Open",
            "fundingFeeRate": float(funding.rate),  # a JSON number, as KuCoin sends it
            "predictedFundingFeeRate": float(funding.rate),
            "fundingRateGranularity": interval_ms,
            "currentFundingRateGranularity": interval_ms,
            "nextFundingRateTime": funding.next_funding_ms - now_ms,  # the time left
            "nextFundingRateDateTime": funding.next_funding_ms,
        }

    async def bullet_public(self, request: web.Request) -> web.Response:
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        server = {
            # The simulator's own socket, reached through whatever host the client used.
            "endpoint": f"ws://{request.host}{self.ws_path}",
            "encrypt": False,
            "protocol": "websocket",
            "pingInterval": int(self.ping_interval_s * 1000),
            "pingTimeout": int(self.ping_timeout_s * 1000),
        }
        return web.json_response({"code": "200000", "data": {"token": token, "instanceServers": [server]}})

    # --- WebSocket ------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        # KuCoin refuses the handshake without a valid token (HTTP 401).
        if request.headers.get("Upgrade", "").lower() == "websocket" and request.query.get("token") not in self._tokens:
            return web.json_response({"code": "401", "msg": "token is invalid"}, status=401)
        _connect_id.set(request.query.get("connectId", "") or secrets.token_hex(6))
        return await super()._socket(request)

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        connect_id = _connect_id.get()
        connection = _Connection()
        await ws.send_str(json.dumps({"id": connect_id, "type": "welcome"}))

        async def send_books() -> None:
            if self.faults.error:
                await self._send_error(ws, connect_id, 404, "topic does not exist")
            moved = self.market.moved
            for symbol in sorted(connection.subscribed):
                if self.contracts[symbol].coin not in moved:
                    continue
                connection.sequence += 1
                await ws.send_str(self._ticker_frame(symbol, connection.sequence))
            for symbol in sorted(connection.depth_subscribed):
                # Not unsubscribed while an earlier frame was sent, and moved.
                if symbol in connection.depth_subscribed and self.contracts[symbol].coin in moved:
                    connection.sequence += 1
                    await ws.send_str(self._depth_frame(symbol, connection.sequence))

        streamer = asyncio.create_task(self.stream(ws, send_books))
        enforcer = asyncio.create_task(self._enforce_pings(ws, connection))
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                self.messages_received += 1
                connection.last_client_message = time.monotonic()
                text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode(errors="replace")
                await self._answer(ws, connect_id, text, connection)
        finally:
            for task in (streamer, enforcer, *connection.pending_pongs):
                task.cancel()

    async def _answer(self, ws: web.WebSocketResponse, connect_id: str, text: str, connection: _Connection) -> None:
        try:
            request = json.loads(text)
            kind, request_id = request["type"], request.get("id", connect_id)
        except (ValueError, KeyError, TypeError):
            await self._send_error(ws, connect_id, 400, "json format error")
            return
        if kind == "ping":
            # Answered from a task, so a delayed pong (Faults.delay_pong_s) holds up nothing else.
            pong = asyncio.create_task(self._pong(ws, request_id))
            connection.pending_pongs.add(pong)
            pong.add_done_callback(connection.pending_pongs.discard)
            return
        if kind not in ("subscribe", "unsubscribe"):
            await self._send_error(ws, request_id, 400, f"unknown type {kind}")
            return
        topic = request.get("topic")
        prefix = next((p for p in (TICKER_TOPIC, DEPTH_TOPIC) if isinstance(topic, str) and topic.startswith(p)), None)
        if prefix is None:
            await self._send_error(ws, request_id, 404, "topic does not exist")
            return
        symbols = [s for s in topic[len(prefix) :].split(",") if s]
        if len(symbols) > MAX_TOPICS_PER_SUBSCRIBE:
            await self._send_error(ws, request_id, 509, "exceed max subscription count limitation of 100 per time")
            return
        # An unknown symbol is acknowledged and then stays silent, as on KuCoin.
        known = {s for s in symbols if s in self.contracts}
        subscribed = connection.subscribed if prefix == TICKER_TOPIC else connection.depth_subscribed
        if kind == "subscribe":
            subscribed |= known
        else:
            subscribed -= known
        if request.get("response"):
            await ws.send_str(json.dumps({"id": request_id, "type": "ack"}))

    async def _pong(self, ws: web.WebSocketResponse, request_id: object) -> None:
        async with self._pinged:
            self.pings_received += 1
            self._pinged.notify_all()
        await pong_delay(self.faults)
        if self.faults.stall or ws.closed:
            return  # a stalled server answers nothing
        await ws.send_str(json.dumps({"id": request_id, "type": "pong", "timestamp": time.time_ns() // 1000}))
        self.pongs_sent += 1

    async def _enforce_pings(self, ws: web.WebSocketResponse, connection: _Connection) -> None:
        """Drop a client that sent nothing (no ping) for pingInterval + pingTimeout."""
        while not ws.closed:
            await asyncio.sleep(min(self.ping_interval_s, self.ping_timeout_s) / 4)
            if time.monotonic() - connection.last_client_message > self.ping_interval_s + self.ping_timeout_s:
                await ws.close(code=1000, message=b"ping timeout")
                return

    async def wait_for_pings(self, total: int, timeout_s: float) -> None:
        """Until `total` client pings have arrived since start (tests)."""
        async with asyncio.timeout(timeout_s), self._pinged:
            await self._pinged.wait_for(lambda: self.pings_received >= total)

    async def _send_error(self, ws: web.WebSocketResponse, request_id: object, code: int, text: str) -> None:
        await ws.send_str(json.dumps({"id": request_id, "type": "error", "code": code, "data": text}))

    def _depth_frame(self, symbol: str, sequence: int) -> str:
        contract = self.contracts[symbol]
        bids, asks = self.market.depth(self.id, contract.coin, DEPTH_LEVELS)
        now_ms = clock.now_ms()
        return json.dumps(
            {
                "topic": DEPTH_TOPIC + symbol,
                "type": "message",
                "subject": "level2",
                "sn": sequence,
                "data": {
                    "bids": [[str(price), _lots(contract, size, price)] for price, size in bids],
                    "sequence": sequence,
                    "timestamp": now_ms,
                    "ts": now_ms,
                    "asks": [[str(price), _lots(contract, size, price)] for price, size in asks],
                },
            },
            separators=(",", ":"),
        )

    def _ticker_frame(self, symbol: str, sequence: int) -> str:
        contract = self.contracts[symbol]
        book = self.market.book(self.id, contract.coin)
        bid_lots, ask_lots = _lots(contract, book.bid_size, book.bid), _lots(contract, book.ask_size, book.ask)
        return json.dumps(
            {
                "topic": TICKER_TOPIC + symbol,
                "type": "message",
                "subject": "tickerV2",
                "sn": sequence,
                "data": {
                    "symbol": symbol,
                    "sequence": sequence,
                    "bestBidSize": bid_lots,
                    "bestBidPrice": str(book.bid),
                    "bestAskPrice": str(book.ask),
                    "bestAskSize": ask_lots,
                    "ts": time.time_ns(),
                },
            },
            separators=(",", ":"),
        )


def _lots(contract: _Contract, size_base: float, price: Decimal) -> int:
    """Base units as the contract's integer lots, at least one."""
    if contract.inverse:
        return max(1, round(size_base * float(price)))  # 1 USD per contract: lots = base size × price
    return max(1, round(size_base / float(contract.multiplier)))
