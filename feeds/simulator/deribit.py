"""Deribit as the simulator serves it: public/get_instruments and the JSON-RPC socket with
public/subscribe and public/unsubscribe, quote notifications, grouped book notifications
(`book.<instrument>.<group>.<depth>.<interval>`, ungrouped only, their top level the quote's),
set_heartbeat + test_request, and Deribit's error objects."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import Market
from lib import clock

MIN_HEARTBEAT_S = 10  # the docs' floor for public/set_heartbeat
BOOK_DEPTHS = ("1", "10", "20")
BOOK_INTERVALS = ("100ms", "agg2")  # `raw` is for authorised users: left out of the result
# Inverse perps: USD face value per contract. Linear USDC perps: base-coin amount step.
INVERSE_CONTRACT_USD = {"BTC": Decimal(10), "ETH": Decimal(1)}
LINEAR_AMOUNT_STEP = {
    "BTC": Decimal("0.0001"),
    "ETH": Decimal("0.001"),
    "SOL": Decimal("0.1"),
    "XRP": Decimal("1"),
    "DOGE": Decimal("10"),
    "BNB": Decimal("0.01"),
    "ADA": Decimal("1"),
    "LINK": Decimal("0.1"),
}


@dataclass
class _Perpetual:
    name: str
    coin: str
    linear: bool
    contract_size: Decimal


@dataclass
class _Connection:
    channels: set[str] = field(default_factory=set)
    heartbeat: asyncio.Task | None = None
    test_outstanding: bool = False
    pending_replies: set[asyncio.Task] = field(default_factory=set)


def _us() -> int:
    return time.time_ns() // 1000


class DeribitSim(SimExchange):
    id = "deribit"
    ws_path = "/ws/api/v2"

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        # Deribit sends no WebSocket pings; its JSON heartbeats follow public/set_heartbeat.
        # `server_ping_interval_s` overrides the interval the client asked for (tests: fast).
        super().__init__(market)
        self.heartbeat_override_s = server_ping_interval_s
        self.tests_received = 0
        self._change_id = 0
        self._tested = asyncio.Condition()
        perpetuals = [_Perpetual(f"{c}-PERPETUAL", c, False, size) for c, size in INVERSE_CONTRACT_USD.items()]
        perpetuals += [
            _Perpetual(f"{name}_USDC-PERPETUAL", name, True, LINEAR_AMOUNT_STEP.get(name, coin.lot))
            for name, coin in self.market.listed(self.id).items()
        ]
        self.perpetuals = {p.name: p for p in perpetuals}

    # --- REST -----------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v2/public/get_instruments", self.get_instruments),
            web.get("/api/v2/public/get_book_summary_by_currency", self.book_summary),
        ]

    async def book_summary(self, request: web.Request) -> web.Response:
        """Every perpetual's summary with its `funding_8h` (the rest of the summary trimmed)."""
        us_in = _us()
        currency = request.query.get("currency")
        if currency not in ("any", "BTC", "ETH", "USDC"):
            return web.json_response(self._invalid_params(None, us_in, "wrong format", "currency"), status=400)
        now_ms = us_in // 1000
        rows = []
        for perpetual in self.perpetuals.values():
            settlement = "USDC" if perpetual.linear else perpetual.coin
            if currency not in ("any", settlement):
                continue
            book = self.market.book(self.id, perpetual.coin)
            funding = self.market.funding(self.id, perpetual.coin, now_ms, symbol=perpetual.name, interval_h=8)
            rows.append(
                {
                    "instrument_name": perpetual.name,
                    "base_currency": perpetual.coin,
                    "quote_currency": "USDC" if perpetual.linear else "USD",
                    "mark_price": float(book.bid),
                    # Over 8 h whatever the rate's own interval (a played recording's is Deribit's 1 h).
                    "funding_8h": float(funding.rate * 8 / funding.interval_h),
                    "current_funding": 0.0,
                    "creation_timestamp": now_ms,
                }
            )
        return web.json_response(self._reply(None, us_in, result=rows))

    async def get_instruments(self, request: web.Request) -> web.Response:
        us_in = _us()
        currency = request.query.get("currency")
        if currency not in ("any", "BTC", "ETH", "USDC"):
            return web.json_response(self._invalid_params(None, us_in, "wrong format", "currency"), status=400)
        kind = request.query.get("kind", "future")
        entries = [self._instrument_json(p) for p in self.perpetuals.values()]
        btc = self._instrument_json(self.perpetuals["BTC-PERPETUAL"])
        # A dated future and an inactive perpetual, which a connector must leave out.
        entries.append({**btc, "instrument_name": "BTC-27MAR26", "settlement_period": "month"})
        entries.append({**btc, "instrument_name": "OLD-PERPETUAL", "base_currency": "OLD", "is_active": False})
        entries = [e for e in entries if e["kind"] == kind and currency in ("any", e["settlement_currency"])]
        return web.json_response(self._reply(None, us_in, result=entries))

    def _instrument_json(self, perpetual: _Perpetual) -> dict:
        coin = self.market.coins[perpetual.coin]
        quote = "USDC" if perpetual.linear else "USD"
        return {
            "tick_size": float(coin.tick),
            "tick_size_steps": [],
            "taker_commission": 0.0005,
            "settlement_period": "perpetual",
            "settlement_currency": "USDC" if perpetual.linear else perpetual.coin,
            "quote_currency": quote,
            "price_index": f"{perpetual.coin.lower()}_{quote.lower()}",
            "min_trade_amount": float(perpetual.contract_size),
            "max_leverage": 50,
            "maker_commission": 0,
            "kind": "future",
            "is_active": True,
            "instrument_name": perpetual.name,
            "instrument_id": 100000 + len(perpetual.name),
            "instrument_type": "linear" if perpetual.linear else "reversed",
            "expiration_timestamp": 32503708800000,
            "creation_timestamp": 1534167754000,
            "counter_currency": quote,
            "contract_size": float(perpetual.contract_size),
            "base_currency": perpetual.coin,
            "state": "open",
        }

    @staticmethod
    def _reply(request_id: object, us_in: int, *, result: object = None, error: dict | None = None) -> dict:
        us_out = _us()
        body: dict = {"jsonrpc": "2.0", "id": request_id}
        if error is not None:
            body["error"] = error
        else:
            body["result"] = result
        return {**body, "usIn": us_in, "usOut": us_out, "usDiff": us_out - us_in, "testnet": False}

    # --- WebSocket ------------------------------------------------------------------------------
    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        connection = _Connection()

        async def send_books() -> None:
            if self.faults.error:
                error = {"code": 10028, "message": "too_many_requests"}
                await ws.send_str(json.dumps(self._reply(None, _us(), error=error)))
            moved = self.market.moved
            for channel in sorted(connection.channels):
                # An unsubscribe may have come in between; a book that did not move is not sent.
                if channel in connection.channels and self._served(channel)[0].coin in moved:
                    await ws.send_str(self._frame(channel))

        streamer = asyncio.create_task(self.stream(ws, send_books))
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                self.messages_received += 1
                text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode(errors="replace")
                reply = await self._answer(ws, text, connection)
                if reply is not None:
                    await ws.send_str(json.dumps(reply))
        finally:
            for task in (streamer, connection.heartbeat, *connection.pending_replies):
                if task is not None:
                    task.cancel()

    async def _answer(self, ws: web.WebSocketResponse, text: str, connection: _Connection) -> dict | None:
        us_in = _us()
        try:
            request = json.loads(text)
            method, params, request_id = request["method"], request.get("params") or {}, request.get("id")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._reply(None, us_in, error={"code": -32700, "message": "Parse error"})
        if not isinstance(params, dict):
            return self._invalid_params(request_id, us_in, "must be an object", "params")
        if method in ("public/subscribe", "public/unsubscribe"):
            channels = params.get("channels")
            if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
                return self._invalid_params(request_id, us_in, "must be an array of strings", "channels")
            # Channels of unknown instruments are left out of the result, not refused.
            known = [c for c in channels if self._served(c) is not None]
            if method == "public/subscribe":
                connection.channels.update(known)
                return self._reply(request_id, us_in, result=known)
            removed = [c for c in known if c in connection.channels]
            connection.channels.difference_update(removed)
            return self._reply(request_id, us_in, result=removed)
        if method == "public/set_heartbeat":
            interval = params.get("interval")
            if not isinstance(interval, int | float) or interval < MIN_HEARTBEAT_S:
                return self._invalid_params(request_id, us_in, f"must be at least {MIN_HEARTBEAT_S}", "interval")
            if connection.heartbeat is not None:
                connection.heartbeat.cancel()
            period_s = self.heartbeat_override_s or float(interval)
            connection.test_outstanding = False
            connection.heartbeat = asyncio.create_task(self._heartbeat(ws, connection, period_s))
            return self._reply(request_id, us_in, result="ok")
        if method == "public/disable_heartbeat":
            if connection.heartbeat is not None:
                connection.heartbeat.cancel()
                connection.heartbeat = None
            return self._reply(request_id, us_in, result="ok")
        if method == "public/test":
            connection.test_outstanding = False
            async with self._tested:
                self.tests_received += 1
                self._tested.notify_all()
            # Answered from a task, so a delayed reply (Faults.delay_pong_s) holds up nothing else.
            reply = asyncio.create_task(self._test_reply(ws, request_id, us_in))
            connection.pending_replies.add(reply)
            reply.add_done_callback(connection.pending_replies.discard)
            return None
        return self._reply(request_id, us_in, error={"code": -32601, "message": "Method not found"})

    def _invalid_params(self, request_id: object, us_in: int, reason: str, param: str) -> dict:
        error = {"code": -32602, "message": "Invalid params", "data": {"reason": reason, "param": param}}
        return self._reply(request_id, us_in, error=error)

    async def _test_reply(self, ws: web.WebSocketResponse, request_id: object, us_in: int) -> None:
        await pong_delay(self.faults)
        if not ws.closed and not self.faults.stall:
            await ws.send_str(json.dumps(self._reply(request_id, us_in, result={"version": "1.2.26"})))

    async def _heartbeat(self, ws: web.WebSocketResponse, connection: _Connection, period_s: float) -> None:
        """Every period (later under `delay_pong_s`): a heartbeat and a test_request; an unanswered
        test_request closes the socket."""
        while not ws.closed:
            await asyncio.sleep(period_s)
            await pong_delay(self.faults)
            if self.faults.stall:
                continue  # a stalled server sends, and so expects, nothing
            if connection.test_outstanding:
                await ws.close(code=1000, message=b"test_request not answered")
                return
            for kind in ("heartbeat", "test_request"):
                frame = {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": kind}}
                await ws.send_str(json.dumps(frame, separators=(",", ":")))
            connection.test_outstanding = True

    async def wait_for_tests(self, total: int, timeout_s: float) -> None:
        """Until `total` public/test requests have arrived since start (tests)."""
        async with asyncio.timeout(timeout_s), self._tested:
            await self._tested.wait_for(lambda: self.tests_received >= total)

    def _served(self, channel: str) -> tuple[_Perpetual, int] | None:
        """(perpetual, book levels; 0 for the quote channel) of a channel this simulator serves."""
        kind, _, rest = channel.partition(".")
        if kind == "quote":
            perpetual = self.perpetuals.get(rest)
            return None if perpetual is None else (perpetual, 0)
        parts = rest.split(".")
        if kind != "book" or len(parts) != 4:
            return None
        name, group, depth, interval = parts
        if name not in self.perpetuals or group != "none" or depth not in BOOK_DEPTHS or interval not in BOOK_INTERVALS:
            return None
        return self.perpetuals[name], int(depth)

    def _frame(self, channel: str) -> str:
        perpetual, levels = self._served(channel)
        data: dict = {"timestamp": clock.now_ms(), "instrument_name": perpetual.name}
        if levels:
            bids, asks = self.market.depth(self.id, perpetual.coin, levels)
            self._change_id += 1
            data["change_id"] = self._change_id
            data["bids"] = [[float(price), float(self._amount(perpetual, size, price))] for price, size in bids]
            data["asks"] = [[float(price), float(self._amount(perpetual, size, price))] for price, size in asks]
        else:
            book = self.market.book(self.id, perpetual.coin)
            data["best_bid_price"] = float(book.bid)
            data["best_bid_amount"] = float(self._amount(perpetual, book.bid_size, book.bid))
            data["best_ask_price"] = float(book.ask)
            data["best_ask_amount"] = float(self._amount(perpetual, book.ask_size, book.ask))
        frame = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}}
        return json.dumps(frame, separators=(",", ":"))

    def _amount(self, perpetual: _Perpetual, size_base: float, price: Decimal) -> Decimal:
        """Linear: base-coin amounts in the amount step; inverse: USD, whole contracts of contract_size USD."""
        amount = Decimal(repr(size_base)) if perpetual.linear else Decimal(repr(size_base)) * price
        return self._in_steps(amount, perpetual.contract_size)

    @staticmethod
    def _in_steps(amount: Decimal, step: Decimal) -> Decimal:
        return max(step, (amount / step).quantize(Decimal(1), ROUND_HALF_UP) * step)
