"""BitMEX as the simulator serves it: /api/v1/instrument/active (with each perpetual's funding rate,
next funding time and interval, written as BitMEX writes it: a time since 2000-01-01) and the
/realtime socket.

The socket greets with BitMEX's welcome, answers `{"op":"subscribe"|"unsubscribe","args":[…]}`
with one ack per topic (carrying `pool`), sends a `partial` per new topic and then, per market
step, one quote `insert` frame with a row for every quote symbol and one `orderBook10` `update`
frame per depth symbol (the whole top 10, its first level the quote's), answers the text `ping`
with `pong`, and reports bad requests in BitMEX's `{"status":400,"error":…}` shape.

Heartbeat: BitMEX asks clients to ping when idle and does not ping them itself. This simulator
is stricter so the client's heartbeat is tested: a connection that sent no text for
`client_timeout_s` (default 30 s; tests shorten it) is closed. WebSocket ping frames are
answered by aiohttp without reaching this code, so here only the text `ping` counts.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal

import msgspec
from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import HOUR_MS, Book, Coin, Market
from lib import clock

INTERVAL_ORIGIN_MS = 946_684_800_000  # 2000-01-01T00:00:00Z: fundingInterval counts from it
WELCOME_VERSION = "2026-11-20T09:00:00.000Z"
POOL = "Primary"
# Contracts per base unit of each linear contract (underlyingToPositionMultiplier).
POSITION_MULTIPLIERS = {
    "BTC": 1_000_000,
    "ETH": 100_000,
    "SOL": 10_000,
    "XRP": 100,
    "DOGE": 100,
    "BNB": 10_000,
    "ADA": 100,
    "LINK": 1_000,
}
INVERSE_SYMBOL = "XBTUSD"  # 1 USD per contract, settled in XBt
QUOTE_KEYS = ("timestamp", "symbol", "bidSize", "bidPrice", "askPrice", "askSize")
DEPTH_TABLE = "orderBook10"
TABLES = ("quote", DEPTH_TABLE)

# BitMEX writes prices and sizes as JSON numbers.
_encode = msgspec.json.Encoder(decimal_format="number").encode


def _root(coin: str) -> str:
    return "XBT" if coin == "BTC" else coin


def _iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


class BitmexSim(SimExchange):
    id = "bitmex"
    ws_path = "/realtime"
    default_server_ping_s = None
    client_timeout_s = 30.0

    def __init__(self, market: Market, server_ping_interval_s: float | None = None) -> None:
        super().__init__(market, server_ping_interval_s)
        # symbol -> (coin, contracts per base unit; None for the inverse contract)
        self.symbols: dict[str, tuple[str, int | None]] = {
            f"{_root(name)}USDT": (name, POSITION_MULTIPLIERS.get(name) or max(1, int(1 / coin.lot)))
            for name, coin in market.listed(self.id).items()
        }
        if "BTC" in market.coins:
            self.symbols[INVERSE_SYMBOL] = ("BTC", None)

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [web.get("/api/v1/instrument/active", self.instrument_active)]

    async def instrument_active(self, request: web.Request) -> web.Response:
        rows = [self._instrument(symbol, coin, multiplier) for symbol, (coin, multiplier) in self.symbols.items()]
        if "BTC" in self.market.coins:
            btc = self.market.coins["BTC"]
            # What a connector must leave out: a dated future, a quanto perpetual, a closed one.
            dated = {"symbol": "XBTZ26", "typ": "FFCCSX", "expiry": "2026-12-25T12:00:00.000Z"}
            dated |= {"fundingRate": None, "fundingTimestamp": None, "fundingInterval": None}
            rows.append({**self._instrument("XBTUSDT", "BTC", 1_000_000), **dated})
            rows.append(
                {
                    **self._instrument(INVERSE_SYMBOL, "BTC", None),
                    "symbol": "ETHUSD",
                    "rootSymbol": "ETH",
                    "underlying": "ETH",
                    "isInverse": False,
                    "isQuanto": True,
                    "multiplier": 100,
                    "tickSize": btc.tick,
                }
            )
            rows.append({**self._instrument("XBTUSDT", "BTC", 1_000_000), "symbol": "LUNAUSDT", "state": "Closed"})
        return web.Response(body=_encode(rows), content_type="application/json")

    def _instrument(self, symbol: str, coin_name: str, multiplier: int | None) -> dict:
        coin: Coin = self.market.coins[coin_name]
        inverse = multiplier is None
        now_ms = clock.now_ms()
        funding = self.market.funding(self.id, coin_name, now_ms, symbol=symbol)
        return {
            "symbol": symbol,
            "rootSymbol": _root(coin_name),
            "state": "Open",
            "typ": "FFWCSX",
            "listing": "2016-05-13T12:00:00.000Z",
            "expiry": None,
            "underlying": _root(coin_name),
            "quoteCurrency": "USD" if inverse else "USDT",
            "positionCurrency": "USD" if inverse else _root(coin_name),
            "settlCurrency": "XBt" if inverse else "USDt",
            "lotSize": 100 if inverse else multiplier // 1000 or 1,
            "tickSize": coin.tick,
            "multiplier": -100_000_000 if inverse else 1,
            "underlyingToPositionMultiplier": None if inverse else multiplier,
            "underlyingToSettleMultiplier": -100_000_000 if inverse else None,
            "quoteToSettleMultiplier": None if inverse else 1_000_000,
            "isQuanto": False,
            "isInverse": inverse,
            "fundingTimestamp": _iso(funding.next_funding_ms),
            "fundingInterval": _iso(INTERVAL_ORIGIN_MS + funding.interval_h * HOUR_MS),
            "fundingRate": funding.rate,
            "indicativeFundingRate": funding.rate,
            "timestamp": _iso(now_ms),
        }

    # --- socket -------------------------------------------------------------------------------
    def _contracts(self, symbol: str, size_base: float, price: Decimal) -> int:
        multiplier = self.symbols[symbol][1]
        if multiplier is None:  # inverse: USD contracts, in lots of 100
            return _lots(Decimal(repr(size_base)) * price, 100)
        return _lots(Decimal(repr(size_base)) * multiplier, 1)

    def _row(self, symbol: str, book: Book) -> dict:
        return {
            "timestamp": _iso(book.ts_ms or clock.now_ms()),
            "symbol": symbol,
            "bidSize": self._contracts(symbol, book.bid_size, book.bid),
            "bidPrice": book.bid,
            "askPrice": book.ask,
            "askSize": self._contracts(symbol, book.ask_size, book.ask),
            "pool": POOL,
        }

    def _book_row(self, symbol: str) -> dict:
        coin = self.symbols[symbol][0]
        bids, asks = self.market.depth(self.id, coin, 10)
        return {
            "symbol": symbol,
            "bids": [[price, self._contracts(symbol, size, price)] for price, size in bids],
            "asks": [[price, self._contracts(symbol, size, price)] for price, size in asks],
            "timestamp": _iso(self.market.book(self.id, coin).ts_ms or clock.now_ms()),
            "pool": POOL,
        }

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        subscribed: dict[str, list[str]] = {table: [] for table in TABLES}  # table -> symbols
        last_heard = [time.monotonic()]
        await ws.send_str(
            _encode(
                {
                    "info": "Welcome to the BitMEX Realtime API.",
                    "version": WELCOME_VERSION,
                    "timestamp": _iso(clock.now_ms()),
                    "docs": "https://www.bitmex.com/app/wsAPI",
                    "heartbeatEnabled": False,
                    "limit": {"remaining": 59},
                }
            ).decode()
        )

        async def send_books() -> None:
            if self.faults.error:
                await ws.send_str(self._error("Simulated error", {"op": "subscribe", "args": []}))
            moved = self.market.moved
            if quoted := [symbol for symbol in subscribed["quote"] if self.symbols[symbol][0] in moved]:
                rows = [self._row(symbol, self.market.book(self.id, self.symbols[symbol][0])) for symbol in quoted]
                await ws.send_str(_encode({"table": "quote", "action": "insert", "data": rows}).decode())
            for symbol in list(subscribed[DEPTH_TABLE]):
                if symbol not in subscribed[DEPTH_TABLE] or self.symbols[symbol][0] not in moved:
                    continue  # unsubscribed while the frames before were sent, or not moved
                frame = {"table": DEPTH_TABLE, "action": "update", "data": [self._book_row(symbol)]}
                await ws.send_str(_encode(frame).decode())

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._drop_when_silent(ws, last_heard))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                last_heard[0] = time.monotonic()
                if self.faults.stall:
                    continue  # a stalled server sends nothing, pongs included
                if msg.data == "ping":
                    await pong_delay(self.faults)
                    await ws.send_str("pong")
                    continue
                for reply in self._answer(msg.data, subscribed):
                    await ws.send_str(reply)
        finally:
            streamer.cancel()
            watchdog.cancel()

    async def _drop_when_silent(self, ws: web.WebSocketResponse, last_heard: list[float]) -> None:
        while not ws.closed:
            silent_for = time.monotonic() - last_heard[0]
            if silent_for >= self.client_timeout_s:
                await ws.close(code=1000, message=b"No heartbeat")
                return
            await asyncio.sleep(self.client_timeout_s - silent_for)

    def _answer(self, text: str, subscribed: dict[str, list[str]]) -> list[str]:
        try:
            request = msgspec.json.decode(text)
            op, args = request["op"], request.get("args", [])
        except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
            return [self._error("Unable to parse request.", text)]
        if isinstance(args, str):
            args = [args]
        if op not in ("subscribe", "unsubscribe"):
            return [self._error(f"Unknown or unsupported op: {op}", request)]
        replies = []
        for topic in args:
            table, _, symbol = str(topic).partition(":")
            if table not in TABLES:
                replies.append(self._error(f"Unknown table: {table}", request))
            elif symbol not in self.symbols:
                replies.append(self._error(f"Unknown or expired symbol: {symbol}", request))
            elif op == "subscribe":
                if symbol not in subscribed[table]:
                    subscribed[table].append(symbol)
                ack = {"success": True, "subscribe": topic, "request": request, "pool": POOL}
                replies.append(_encode(ack).decode())
                replies.append(self._partial(symbol) if table == "quote" else self._book_partial(symbol))
            else:
                if symbol in subscribed[table]:
                    subscribed[table].remove(symbol)
                replies.append(_encode({"success": True, "unsubscribe": topic, "request": request}).decode())
        return replies

    def _partial(self, symbol: str) -> str:
        row = self._row(symbol, self.market.book(self.id, self.symbols[symbol][0]))
        return _encode(
            {
                "table": "quote",
                "action": "partial",
                "keys": [],
                "types": {
                    "timestamp": "timestamp",
                    "symbol": "symbol",
                    "bidSize": "long",
                    "bidPrice": "float",
                    "askPrice": "float",
                    "askSize": "long",
                    "pool": "symbol",
                },
                "foreignKeys": {"symbol": "instrument"},
                "attributes": {"timestamp": "sorted", "symbol": "grouped"},
                "filter": {"symbol": symbol},
                "data": [row],
            }
        ).decode()

    def _book_partial(self, symbol: str) -> str:
        return _encode(
            {
                "table": DEPTH_TABLE,
                "action": "partial",
                "keys": ["symbol"],
                "types": {"symbol": "symbol", "bids": "", "asks": "", "timestamp": "timestamp", "pool": "symbol"},
                "foreignKeys": {"symbol": "instrument"},
                "attributes": {"symbol": "sorted"},
                "filter": {"symbol": symbol},
                "data": [self._book_row(symbol)],
            }
        ).decode()

    def _error(self, message: str, request: object) -> str:
        return _encode({"status": 400, "error": message, "meta": {}, "request": request}).decode()


def _lots(amount: Decimal, lot: int) -> int:
    """Whole lots, at least one: a book top is never empty in the simulation."""
    lots = (amount / lot).to_integral_value(ROUND_DOWN)
    return int(max(lots, 1) * lot)
