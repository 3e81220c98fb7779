"""Binance USDⓈ-M futures as the simulator serves it: /fapi/v1/exchangeInfo, the Public
bookTicker and partial depth (`<symbol>@depth<5|10|20>[@100ms|@500ms]`) streams, with Binance's
subscribe acks, error wrapper, ping rule and limits, and funding: /fapi/v1/premiumIndex and
/fapi/v1/fundingInfo (which lists adjusted symbols only). Depth's top level is the book ticker's."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange
from lib import clock

MAX_MESSAGES_PER_S = 10
MAX_STREAMS = 200
DEPTH_CHANNEL = re.compile(r"depth(5|10|20)(@100ms|@500ms)?")


def _symbol(coin: str) -> str:
    return f"{coin}USDT"


class BinanceSim(SimExchange):
    id = "binance"
    ws_path = "/public/ws"
    default_server_ping_s = 180.0

    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/fapi/v1/exchangeInfo", self.exchange_info),
            web.get("/fapi/v1/premiumIndex", self.premium_index),
            web.get("/fapi/v1/fundingInfo", self.funding_info),
        ]

    async def premium_index(self, request: web.Request) -> web.Response:
        now_ms = clock.now_ms()
        rows = []
        for coin in self.market.listed(self.id):
            book, funding = self.market.book(self.id, coin), self.market.funding(self.id, coin, now_ms)
            mark = str((book.bid + book.ask) / 2)
            rows.append(
                {
                    "symbol": _symbol(coin),
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
                "symbol": _symbol(coin),
                "adjustedFundingRateCap": "0.02500000",
                "adjustedFundingRateFloor": "-0.02500000",
                "fundingIntervalHours": funding.interval_h,
                "disclaimer": False,
            }
            for coin in self.market.listed(self.id)
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

    def _coin_of_stream(self, stream: str) -> tuple[str, int] | None:
        """(coin, depth levels; 0 for the book ticker) of a stream this simulator serves."""
        symbol, _, channel = stream.partition("@")
        depth = DEPTH_CHANNEL.fullmatch(channel)
        if channel != "bookTicker" and depth is None:
            return None
        for coin in self.market.listed(self.id):
            if _symbol(coin).lower() == symbol:
                return coin, int(depth.group(1)) if depth else 0
        return None

    def _depth_frame(self, coin: str, levels: int, update_id: int, now_ms: int) -> str:
        bids, asks = self.market.depth(self.id, coin, levels)
        return json.dumps(
            {
                "e": "depthUpdate",
                "E": now_ms,
                "T": now_ms - 2,
                "s": _symbol(coin),
                "U": update_id,
                "u": update_id,
                "pu": update_id - 1,
                "b": [[str(price), f"{size:.3f}"] for price, size in bids],
                "a": [[str(price), f"{size:.3f}"] for price, size in asks],
            },
            separators=(",", ":"),
        )

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        # stream -> (coin, depth levels or 0); unknown streams are acked, then silent
        subscribed: dict[str, tuple[str, int] | None] = {}
        recent: deque[float] = deque()
        update_id = [1]

        async def send_books() -> None:
            if self.faults.error:
                await ws.send_str(json.dumps({"error": {"code": 2, "msg": "Invalid request: simulated"}, "id": 0}))
            now_ms = clock.now_ms()
            moved = self.market.moved
            for served in list(subscribed.values()):
                if served is None or served[0] not in moved:
                    continue
                coin, levels = served
                update_id[0] += 1
                if levels:
                    await ws.send_str(self._depth_frame(coin, levels, update_id[0], now_ms))
                    continue
                book = self.market.book(self.id, coin)
                await ws.send_str(
                    json.dumps(
                        {
                            "e": "bookTicker",
                            "u": update_id[0],
                            "s": _symbol(coin),
                            "b": str(book.bid),
                            "B": f"{book.bid_size:.3f}",
                            "a": str(book.ask),
                            "A": f"{book.ask_size:.3f}",
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
                await ws.send_str(json.dumps(self._answer(msg.data, subscribed)))
        finally:
            streamer.cancel()

    def _answer(self, text: str, subscribed: dict[str, tuple[str, int] | None]) -> dict:
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
                subscribed[stream] = self._coin_of_stream(stream)
            return {"result": None, "id": request_id}
        if method == "UNSUBSCRIBE":
            for stream in params:
                subscribed.pop(stream, None)
            return {"result": None, "id": request_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": sorted(subscribed), "id": request_id}
        return {"error": {"code": 2, "msg": f"Invalid request: unknown variant `{method}`"}, "id": request_id}
