"""Binance USDⓈ-M futures as the simulator serves it: /fapi/v1/exchangeInfo, the Public
bookTicker and partial depth (`<symbol>@depth<5|10|20>[@100ms|@500ms]`) streams, with Binance's
subscribe acks, error wrapper, ping rule and limits, and funding: /fapi/v1/premiumIndex and
/fapi/v1/fundingInfo (which lists adjusted symbols only). Depth's top level is the book ticker's.

COIN-M perpetuals (`BTCUSD_PERP`, contracts of 100 USD for BTC and 10 USD for the others, sizes
in contracts) the same way under /dapi/v1/… and on the socket `/ws` (live: dstream.binance.com
and dapi.binance.com; here on the same host, as only the base URL differs)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from decimal import Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, socket_family
from lib import clock

MAX_MESSAGES_PER_S = 10
MAX_STREAMS = 200
DEPTH_CHANNEL = re.compile(r"depth(5|10|20)(@100ms|@500ms)?")


COIN_M = "coin-m"  # the family of the `/ws` socket and the /dapi/v1 routes
COIN_M_COINS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "LINK")


def _symbol(coin: str) -> str:
    return f"{coin}USDT"


def _coin_m_symbol(coin: str) -> str:
    return f"{coin}USD_PERP"


def _contract_usd(coin: str) -> int:
    return 100 if coin == "BTC" else 10


class BinanceSim(SimExchange):
    id = "binance"
    ws_path = "/public/ws"
    family_ws_paths = {"/ws": COIN_M}
    default_server_ping_s = 180.0

    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/fapi/v1/exchangeInfo", self.exchange_info),
            web.get("/fapi/v1/premiumIndex", self.premium_index),
            web.get("/fapi/v1/fundingInfo", self.funding_info),
            web.get("/dapi/v1/exchangeInfo", self.coin_m_exchange_info),
            web.get("/dapi/v1/premiumIndex", self.premium_index),
            web.get("/dapi/v1/fundingInfo", self.funding_info),
        ]

    def _listings(self, family: str) -> dict[str, str]:
        """symbol -> coin of one family: every listed coin's USDⓈ-M perpetual, or COIN-M's few."""
        if family == COIN_M:
            return {_coin_m_symbol(c): c for c in COIN_M_COINS if c in self.market.listed(self.id)}
        return {_symbol(coin): coin for coin in self.market.listed(self.id)}

    @staticmethod
    def _family_of(request: web.Request) -> str:
        return COIN_M if request.path.startswith("/dapi/") else ""

    async def premium_index(self, request: web.Request) -> web.Response:
        now_ms = clock.now_ms()
        rows = []
        family = self._family_of(request)
        for symbol, coin in self._listings(family).items():
            book = self.market.book(self.id, coin)
            # Each COIN-M perpetual its own rate; the USDⓈ-M one's as before.
            funding = self.market.funding(self.id, coin, now_ms, symbol=symbol if family == COIN_M else "")
            mark = str((book.bid + book.ask) / 2)
            rows.append(
                {
                    "symbol": symbol,
                    "markPrice": mark,
                    "indexPrice": mark,
                    "estimatedSettlePrice": mark,
                    "lastFundingRate": f"{funding.rate:.8f}",
                    "interestRate": "0.00010000",
                    "nextFundingTime": funding.next_funding_ms,
                    "time": now_ms,
                }
            )
        symbol = request.query.get("symbol")
        if symbol is None:
            return web.json_response(rows)
        found = next((row for row in rows if row["symbol"] == symbol), None)
        if found is None:
            return web.json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        return web.json_response(found)

    async def funding_info(self, request: web.Request) -> web.Response:
        now_ms = clock.now_ms()
        adjusted = [
            {
                "symbol": symbol,
                "adjustedFundingRateCap": "0.02500000",
                "adjustedFundingRateFloor": "-0.02500000",
                "fundingIntervalHours": funding.interval_h,
                "disclaimer": False,
            }
            for symbol, coin in self._listings(self._family_of(request)).items()
            if (funding := self.market.funding(self.id, coin, now_ms)).interval_h != 8
        ]
        return web.json_response(adjusted)

    async def exchange_info(self, request: web.Request) -> web.Response:
        symbols = [
            {
                "symbol": _symbol(coin.name),
                "pair": _symbol(coin.name),
                "contractType": "PERPETUAL",
                "status": "TRADING",
                "baseAsset": coin.name,
                "quoteAsset": "USDT",
                "marginAsset": "USDT",
                "pricePrecision": 2,
                "quantityPrecision": 3,
                "underlyingType": "COIN",
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "tickSize": str(coin.tick),
                        "minPrice": "0.01",
                        "maxPrice": "1000000",
                    },
                    {"filterType": "LOT_SIZE", "stepSize": "0.001", "minQty": "0.001", "maxQty": "1000"},
                ],
            }
            for coin in self.market.listed(self.id).values()
        ]
        # A dated future and a stock perpetual, which a connector must leave out.
        symbols.append({**symbols[0], "symbol": "BTCUSDT_261225", "contractType": "CURRENT_QUARTER"})
        symbols.append({**symbols[0], "symbol": "TSLAUSDT", "baseAsset": "TSLA", "contractType": "TRADIFI_PERPETUAL"})
        return web.json_response({"timezone": "UTC", "serverTime": clock.now_ms(), "symbols": symbols})

    async def coin_m_exchange_info(self, request: web.Request) -> web.Response:
        symbols = [
            {
                "symbol": symbol,
                "pair": symbol.removesuffix("_PERP"),
                "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000,
                "contractStatus": "TRADING",
                "contractSize": _contract_usd(coin),
                "marginAsset": coin,
                "baseAsset": coin,
                "quoteAsset": "USD",
                "pricePrecision": 1,
                "quantityPrecision": 0,
                "underlyingType": "COIN",
                "filters": [
                    {"filterType": "PRICE_FILTER", "tickSize": str(self.market.coins[coin].tick), "minPrice": "0.001"},
                    {"filterType": "LOT_SIZE", "stepSize": "1", "minQty": "1", "maxQty": "1000000"},
                ],
            }
            for symbol, coin in self._listings(COIN_M).items()
        ]
        # A dated contract, which a connector must leave out.
        symbols.append({**symbols[0], "symbol": "BTCUSD_261225", "contractType": "CURRENT_QUARTER"})
        return web.json_response({"timezone": "UTC", "serverTime": clock.now_ms(), "symbols": symbols})

    def _coin_of_stream(self, stream: str, listings: dict[str, str]) -> tuple[str, int] | None:
        """(symbol, depth levels; 0 for the book ticker) of a stream this socket serves."""
        symbol, _, channel = stream.partition("@")
        depth = DEPTH_CHANNEL.fullmatch(channel)
        if channel != "bookTicker" and depth is None:
            return None
        for listed in listings:
            if listed.lower() == symbol:
                return listed, int(depth.group(1)) if depth else 0
        return None

    def _size(self, coin: str, size_base: float, price: Decimal) -> str:
        """A size as the socket sends it: base units (USDⓈ-M), or whole contracts (COIN-M)."""
        if socket_family() != COIN_M:
            return f"{size_base:.3f}"
        return str(max(1, round(size_base * float(price) / _contract_usd(coin))))

    def _depth_frame(self, symbol: str, coin: str, levels: int, update_id: int, now_ms: int) -> str:
        bids, asks = self.market.depth(self.id, coin, levels)
        return json.dumps(
            {
                "e": "depthUpdate",
                "E": now_ms,
                "T": now_ms - 2,
                "s": symbol,
                "U": update_id,
                "u": update_id,
                "pu": update_id - 1,
                "b": [[str(price), self._size(coin, size, price)] for price, size in bids],
                "a": [[str(price), self._size(coin, size, price)] for price, size in asks],
            },
            separators=(",", ":"),
        )

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        # stream -> (symbol, depth levels or 0); unknown streams are acked, then silent
        subscribed: dict[str, tuple[str, int] | None] = {}
        listings = self._listings(socket_family())
        recent: deque[float] = deque()
        update_id = [1]

        async def send_books() -> None:
            if self.faults.error:
                await ws.send_str(json.dumps({"error": {"code": 2, "msg": "Invalid request: simulated"}, "id": 0}))
            now_ms = clock.now_ms()
            moved = self.market.moved
            for served in list(subscribed.values()):
                if served is None or listings[served[0]] not in moved:
                    continue
                symbol, levels = served
                coin = listings[symbol]
                update_id[0] += 1
                if levels:
                    await ws.send_str(self._depth_frame(symbol, coin, levels, update_id[0], now_ms))
                    continue
                book = self.market.book(self.id, coin)
                await ws.send_str(
                    json.dumps(
                        {
                            "e": "bookTicker",
                            "u": update_id[0],
                            "s": symbol,
                            "b": str(book.bid),
                            "B": self._size(coin, book.bid_size, book.bid),
                            "a": str(book.ask),
                            "A": self._size(coin, book.ask_size, book.ask),
                            "T": now_ms - 2,
                            "E": now_ms,
                        },
                        separators=(",", ":"),
                    )
                )

        streamer = asyncio.create_task(self.stream(ws, send_books))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    await ws.close(code=1008, message=b"binary frames are not accepted")
                    break
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                now = time.monotonic()
                recent.append(now)
                while recent and now - recent[0] > 1:
                    recent.popleft()
                if len(recent) > MAX_MESSAGES_PER_S:
                    await ws.close(code=1008, message=b"Too many requests")
                    break
                await ws.send_str(json.dumps(self._answer(msg.data, subscribed, listings)))
        finally:
            streamer.cancel()

    def _answer(self, text: str, subscribed: dict[str, tuple[str, int] | None], listings: dict[str, str]) -> dict:
        try:
            request = json.loads(text)
            method, request_id = request["method"], request["id"]
        except (ValueError, KeyError, TypeError):
            return {"error": {"code": 3, "msg": "Invalid JSON: expected a method and an id"}, "id": None}
        params = request.get("params") or []
        if method == "SUBSCRIBE":
            if len(set(subscribed) | set(params)) > MAX_STREAMS:
                return {"error": {"code": 2, "msg": "Invalid request: too many streams"}, "id": request_id}
            for stream in params:
                subscribed[stream] = self._coin_of_stream(stream, listings)
            return {"result": None, "id": request_id}
        if method == "UNSUBSCRIBE":
            for stream in params:
                subscribed.pop(stream, None)
            return {"result": None, "id": request_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": sorted(subscribed), "id": request_id}
        return {"error": {"code": 2, "msg": f"Invalid request: unknown variant `{method}`"}, "id": request_id}
