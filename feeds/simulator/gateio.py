"""Gate.io USDT perpetuals as the simulator serves them: /api/v4/futures/usdt/contracts and the
/v4/ws/usdt socket with `futures.book_ticker`, `futures.order_book` (`[contract, limit, "0"]`:
the top `limit` levels whole in `all` frames, the first the book ticker's), `futures.ping`,
Gate's acks (subscribe and unsubscribe) and error frames.

Like Gate, the socket pings its clients with WebSocket ping frames and closes a client that
does not answer (aiohttp's heartbeat does both); `futures.ping` is answered with `futures.pong`.
Sizes are contracts: decimal strings when the client connected with `X-Gate-Size-Decimal: 1`,
otherwise integers truncated toward zero, as Gate does. One unknown contract fails the whole
subscribe request. Gate's USDT path lists perpetuals only (dated futures are under /delivery),
so the entries a connector must filter out are a stock contract, a delisted and a pre-launch one.

BTC-settled: /api/v4/futures/btc/contracts lists the inverse `BTC_USD` (`type` inverse,
`quanto_multiplier` "0": one contract is 1 USD) and a quanto contract a connector must leave out;
the /v4/ws/btc socket serves `BTC_USD` only, at the BTC price in USD, sizes in USD contracts.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from decimal import ROUND_DOWN, Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay, socket_family
from feeds.simulator.market import Market
from lib import clock

CHANNEL = "futures.book_ticker"
DEPTH_CHANNEL = "futures.order_book"
DEPTH_LIMITS = ("100", "50", "20", "10", "5", "1")
# Base units per contract, and whether the contract takes fractional sizes (enable_decimal).
CONTRACTS = {
    "BTC": (Decimal("0.0001"), False),
    "ETH": (Decimal("0.01"), False),
    "SOL": (Decimal("1"), True),
    "XRP": (Decimal("10"), False),
    "DOGE": (Decimal("10"), False),
    "BNB": (Decimal("0.01"), False),
    "ADA": (Decimal("10"), False),
    "LINK": (Decimal("1"), True),
}
DECIMAL_STEP = Decimal("0.001")
BTC_WS_PATH = "/v4/ws/btc"
BTC_SETTLED = {"BTC_USD": "BTC"}  # contract -> coin: Gate's only BTC-settled perpetual

# Whether the connection being served asked for decimal sizes; set per request task.
_size_decimal: ContextVar[bool] = ContextVar("gateio_size_decimal", default=False)


def _contract(coin: str) -> str:
    return f"{coin}_USDT"


class GateioSim(SimExchange):
    id = "gateio"
    ws_path = "/v4/ws/usdt"
    family_ws_paths = {BTC_WS_PATH: "btc"}
    default_server_ping_s = 10.0

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        super().__init__(market, server_ping_interval_s)
        self.coins = {_contract(coin): coin for coin in market.listed(self.id)}
        self.btc_coins = {name: coin for name, coin in BTC_SETTLED.items() if coin in market.coins}

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v4/futures/usdt/contracts", self.contracts),
            web.get("/api/v4/futures/btc/contracts", self.btc_contracts),
        ]

    async def btc_contracts(self, request: web.Request) -> web.Response:
        listed = [self._btc_contract_row(name, coin) for name, coin in self.btc_coins.items()]
        if listed:
            # A quanto contract (priced in USD, settled in BTC) of the kind Gate once listed here.
            listed.append({**listed[0], "name": "ETH_USD", "type": "direct", "quanto_multiplier": "0.000001"})
        return web.json_response(listed)

    def _btc_contract_row(self, name: str, coin: str) -> dict:
        return {
            **self._contract_row(name, coin),
            "type": "inverse",
            "quanto_multiplier": "0",  # Gate's way of saying 1 USD a contract
            "order_size_min": "1",
            "enable_decimal": False,
        }

    async def contracts(self, request: web.Request) -> web.Response:
        listed = [self._contract_row(name, coin) for name, coin in self.coins.items()]
        if listed:
            template = listed[0]
            listed += [
                {**template, "name": "AAPLX_USDT", "contract_type": "stocks"},
                {**template, "name": "OLD_USDT", "status": "delisted", "in_delisting": True},
                {**template, "name": "NEW_USDT", "status": "prelaunch"},
            ]
        return web.json_response(listed)

    def _contract_row(self, name: str, coin: str) -> dict:
        multiplier, enable_decimal = CONTRACTS.get(coin, (Decimal(1), False))
        book = self.market.book(self.id, coin)
        funding = self.market.funding(self.id, coin, clock.now_ms(), symbol=name)
        return {
            "name": name,
            "type": "direct",
            "quanto_multiplier": str(multiplier),
            "leverage_min": "1",
            "leverage_max": "100",
            "maintenance_rate": "0.004",
            "mark_type": "index",
            "mark_price": str(book.bid),
            "index_price": str(book.bid),
            "last_price": str(book.ask),
            "maker_fee_rate": "-0.0001",
            "taker_fee_rate": "0.00075",
            "order_price_round": str(self.market.coins[coin].tick),
            "mark_price_round": str(self.market.coins[coin].tick),
            "funding_rate": f"{funding.rate:.8f}",
            "funding_interval": funding.interval_h * 3600,
            "funding_next_apply": funding.next_funding_ms // 1000,
            "order_size_min": str(DECIMAL_STEP) if enable_decimal else "1",
            "order_size_max": "1000000",
            "enable_decimal": enable_decimal,
            "in_delisting": False,
            "status": "trading",
            "contract_type": "",
            "create_time": 1609459200,
        }

    # --- socket -------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        # serve_socket does not see the request; a context variable carries the header to it.
        _size_decimal.set(request.headers.get("X-Gate-Size-Decimal") == "1")
        return await super()._socket(request)

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        size_decimal = _size_decimal.get()
        # Each socket knows only its settle currency's contracts, as Gate's do.
        contracts = self.btc_coins if socket_family() == "btc" else self.coins
        subscribed: list[str] = []
        depth_subscribed: dict[str, int] = {}  # contract -> levels, for futures.order_book
        update_ids: dict[str, int] = {}

        async def send_books() -> None:
            if self.faults.error:
                await ws.send_str(_error_frame(CHANNEL, "subscribe", 3, "service error (simulated)"))
            moved = self.market.moved
            for name in list(subscribed):
                if contracts[name] not in moved:
                    continue
                update_ids[name] = update_ids.get(name, 1_000_000) + 1
                await ws.send_str(self._update_frame(name, update_ids[name], size_decimal))
            for name, levels in list(depth_subscribed.items()):
                # Not unsubscribed while an earlier frame was sent, and moved.
                if name in depth_subscribed and contracts[name] in moved:
                    await ws.send_str(self._order_book_frame(name, levels, update_ids.get(name, 1), size_decimal))

        streamer = asyncio.create_task(self.stream(ws, send_books))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                if self.faults.stall:
                    continue  # a stalled server sends nothing, pongs included
                await ws.send_str(await self._answer(msg.data, subscribed, depth_subscribed, contracts))
        finally:
            streamer.cancel()

    def _coin(self, name: str) -> str:
        return self.btc_coins[name] if name in self.btc_coins else self.coins[name]

    def _size(self, name: str, price: Decimal, base_size: float, size_decimal: bool) -> str | int:
        if name in self.btc_coins:
            return _usd_contracts(base_size, price, size_decimal)
        return _size(self.coins[name], base_size, size_decimal)

    def _update_frame(self, name: str, update_id: int, size_decimal: bool) -> str:
        coin = self._coin(name)
        book = self.market.book(self.id, coin)
        now_ms = clock.now_ms()
        return json.dumps(
            {
                "time": now_ms // 1000,
                "time_ms": now_ms,
                "channel": CHANNEL,
                "event": "update",
                "result": {
                    "t": book.ts_ms or now_ms,
                    "u": update_id,
                    "s": name,
                    "b": str(book.bid),
                    "B": self._size(name, book.bid, book.bid_size, size_decimal),
                    "a": str(book.ask),
                    "A": self._size(name, book.ask, book.ask_size, size_decimal),
                },
            },
            separators=(",", ":"),
        )

    def _order_book_frame(self, name: str, levels: int, book_id: int, size_decimal: bool) -> str:
        coin = self._coin(name)
        bids, asks = self.market.depth(self.id, coin, levels)
        now_ms = clock.now_ms()
        return json.dumps(
            {
                "channel": DEPTH_CHANNEL,
                "event": "all",
                "time": now_ms // 1000,
                "time_ms": now_ms,
                "result": {
                    "t": self.market.book(self.id, coin).ts_ms or now_ms,
                    "contract": name,
                    "id": book_id,
                    "asks": [{"p": str(p), "s": self._size(name, p, size, size_decimal)} for p, size in asks],
                    "bids": [{"p": str(p), "s": self._size(name, p, size, size_decimal)} for p, size in bids],
                    "l": str(levels),
                },
            },
            separators=(",", ":"),
        )

    def _answer_depth(self, request: dict, depth_subscribed: dict[str, int], contracts: dict[str, str]) -> str:
        """futures.order_book takes one contract a request: [contract, limit, interval]."""
        event, request_id, payload = request.get("event", ""), request.get("id"), request.get("payload")
        if not (isinstance(payload, list) and len(payload) == 3 and all(isinstance(p, str) for p in payload)):
            return _error_frame(DEPTH_CHANNEL, event, 1, "invalid argument struct", request_id)
        name, limit, interval = payload
        if name not in contracts:
            return _error_frame(DEPTH_CHANNEL, event, 2, f"unknown contract {name}", request_id, payload)
        if limit not in DEPTH_LIMITS or interval != "0":
            return _error_frame(DEPTH_CHANNEL, event, 2, f"invalid argument {limit} {interval}", request_id, payload)
        if event == "subscribe":
            depth_subscribed[name] = int(limit)
        else:
            depth_subscribed.pop(name, None)
        return _reply(request_id, DEPTH_CHANNEL, event, {"status": "success"})

    async def _answer(
        self, text: str, subscribed: list[str], depth_subscribed: dict[str, int], contracts: dict[str, str]
    ) -> str:
        try:
            request = json.loads(text)
            channel, event = request["channel"], request.get("event", "")
        except (ValueError, KeyError, TypeError):
            return _error_frame("", "", 1, "invalid argument struct")
        request_id = request.get("id")
        if channel == "futures.ping":
            await pong_delay(self.faults)
            return _reply(request_id, "futures.pong", "", None)
        if channel == DEPTH_CHANNEL and event in ("subscribe", "unsubscribe"):
            return self._answer_depth(request, depth_subscribed, contracts)
        if channel != CHANNEL or event not in ("subscribe", "unsubscribe"):
            return _error_frame(channel, event, 2, f"unknown channel or event {channel} {event}", request_id)
        payload = request.get("payload")
        if not isinstance(payload, list) or not all(isinstance(name, str) for name in payload):
            return _error_frame(channel, event, 1, "invalid argument struct", request_id)
        unknown = [name for name in payload if name not in contracts]
        if unknown:
            # Gate refuses the whole request when one contract is unknown.
            return _error_frame(channel, event, 2, f"unknown contract {unknown[0]}", request_id, payload)
        for name in payload:
            if event == "subscribe" and name not in subscribed:
                subscribed.append(name)
            elif event == "unsubscribe" and name in subscribed:
                subscribed.remove(name)
        return _reply(request_id, channel, event, {"status": "success"}, payload)


def _size(coin: str, base_size: float, size_decimal: bool) -> str | int:
    multiplier, enable_decimal = CONTRACTS.get(coin, (Decimal(1), False))
    contracts = Decimal(repr(base_size)) / multiplier
    contracts = contracts.quantize(DECIMAL_STEP if enable_decimal else Decimal(1), ROUND_DOWN)
    contracts = max(contracts, DECIMAL_STEP if enable_decimal else Decimal(1))
    if size_decimal:
        return str(contracts)
    return int(contracts)  # what Gate does without the header: truncated toward zero


def _usd_contracts(base_size: float, price: Decimal, size_decimal: bool) -> str | int:
    """Base units as whole USD contracts (an inverse size), at least one."""
    contracts = max(1, int(Decimal(repr(base_size)) * price))
    return str(contracts) if size_decimal else contracts


def _reply(
    request_id: int | None, channel: str, event: str, result: object, payload: list | None = None, **extra: object
) -> str:
    now_ms = clock.now_ms()
    body: dict[str, object] = {"time": now_ms // 1000, "time_ms": now_ms}
    if request_id is not None:
        body["id"] = request_id
    body.update({"conn_id": "5ac8b3f9a6a44e4c", "channel": channel, "event": event})
    if payload is not None:
        body["payload"] = payload
    body.update(extra)
    body["result"] = result
    return json.dumps(body, separators=(",", ":"))


def _error_frame(
    channel: str, event: str, code: int, message: str, request_id: int | None = None, payload: list | None = None
) -> str:
    return _reply(request_id, channel, event, {"status": "fail"}, payload, error={"code": code, "message": message})
