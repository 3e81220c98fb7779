"""Bybit v5 linear and inverse as the simulator serves them: the paged /v5/market/instruments-info
(`category=linear` or `inverse`), and the public linear and inverse sockets with `orderbook.1`
snapshots, `orderbook.50` as a snapshot then deltas (the top level the same as orderbook.1's),
Bybit's acks, refusals and JSON ping/pong.

Inverse perpetuals (`BTCUSD`, settled in BTC) quote the coin's price in USD, as the linear ones
do, with sizes in USD contracts of 1 USD; each socket serves only its own category's topics.

Follows https://bybit-exchange.github.io/docs/v5/ws/connect and .../v5/market/instrument.
Not documented by Bybit, so ours: the text of the answer to a malformed request, and the
close when an idle connection is cut (a plain close; the docs only say "cut off").
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay, socket_family
from feeds.simulator.market import Market
from lib import clock

TOPIC_PREFIX = "orderbook.1."
INVERSE_WS_PATH = "/v5/public/inverse"
# The coins Bybit lists inverse perpetuals of (among others: DOT, LTC, EOS, ...).
INVERSE_COINS = ("BTC", "ETH", "XRP", "SOL", "ADA")
DEPTHS = (1, 50)  # the linear orderbook depths served (Bybit has 200 and 1000 as well)
MAX_PAGE = 1000
DEFAULT_PAGE = 500
# Base units per lot, as Bybit lists them for these coins.
QTY_STEP = {
    "BTC": Decimal("0.001"),
    "ETH": Decimal("0.01"),
    "SOL": Decimal("0.1"),
    "XRP": Decimal("1"),
    "DOGE": Decimal("1"),
    "BNB": Decimal("0.01"),
    "ADA": Decimal("1"),
    "LINK": Decimal("0.1"),
}


@dataclass(frozen=True)
class Listing:
    symbol: str
    coin: str
    quote: str
    contract_type: str = "LinearPerpetual"
    status: str = "Trading"
    symbol_type: str = ""
    delivery_time_ms: int = 0

    @property
    def inverse(self) -> bool:
        return self.contract_type.startswith("Inverse")

    @property
    def settle(self) -> str:
        return self.coin if self.inverse else self.quote


def _listings(coins: list[str]) -> list[Listing]:
    listed = [Listing(f"{coin}USDT", coin, "USDT") for coin in coins]
    # USDC perpetuals are named <COIN>PERP.
    listed += [Listing(f"{coin}PERP", coin, "USDC") for coin in ("BTC", "ETH") if coin in coins]
    # What a connector must leave out: a dated future, a stock perpetual, a pre-market perpetual
    # (the last only when asked for with status=PreLaunch, as on the live endpoint).
    listed.append(Listing("BTCUSDT-26DEC25", "BTC", "USDT", "LinearFutures", delivery_time_ms=1766736000000))
    listed.append(Listing("TSLAUSDT", "TSLA", "USDT", symbol_type="stock"))
    listed.append(Listing("NEWUSDT", "NEW", "USDT", status="PreLaunch"))
    return listed


def _inverse_listings(coins: list[str]) -> list[Listing]:
    """`category=inverse`: <COIN>USD perpetuals, and a dated future a connector must leave out."""
    listed = [Listing(f"{coin}USD", coin, "USD", "InversePerpetual") for coin in INVERSE_COINS if coin in coins]
    if "BTC" in coins:
        listed.append(Listing("BTCUSDH26", "BTC", "USD", "InverseFutures", delivery_time_ms=1774598400000))
    return listed


class BybitSim(SimExchange):
    id = "bybit"
    ws_path = "/v5/public/linear"
    family_ws_paths = {INVERSE_WS_PATH: "inverse"}
    # Bybit cuts a connection that saw neither ping-pong nor data for 10 minutes.
    default_idle_timeout_s = 600.0

    def __init__(
        self, market: Market, server_ping_interval_s: float | None = None, idle_timeout_s: float | None = None
    ) -> None:
        super().__init__(market, server_ping_interval_s)
        self.idle_timeout_s = idle_timeout_s or self.default_idle_timeout_s
        self.listings = _listings(list(market.listed(self.id)))
        # Topics that have a book to serve: trading symbols of a simulated coin.
        self.books = {
            listing.symbol: listing.coin
            for listing in self.listings
            if listing.status == "Trading" and listing.coin in market.coins
        }
        self.inverse_listings = _inverse_listings(list(market.coins))
        self.inverse_books = {
            listing.symbol: listing.coin for listing in self.inverse_listings if listing.status == "Trading"
        }
        self.pings_received = 0
        self._pinged = asyncio.Condition()
        self._seq = 0

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v5/market/instruments-info", self.instruments_info),
            web.get("/v5/market/tickers", self.tickers),
        ]

    async def tickers(self, request: web.Request) -> web.Response:
        """Funding fields of /v5/market/tickers (prices come over the socket): every trading symbol."""
        category = request.query.get("category")
        if category not in ("linear", "inverse"):
            return self._rest_error(10001, "Illegal category")
        now_ms = clock.now_ms()
        rows = []
        for listing in self.listings if category == "linear" else self.inverse_listings:
            if listing.status != "Trading" or listing.coin not in self.market.coins:
                continue
            book = self.market.book(self.id, listing.coin)
            row = {"symbol": listing.symbol, "lastPrice": str(book.bid), "markPrice": str(book.bid)}
            if listing.contract_type in ("LinearPerpetual", "InversePerpetual"):
                funding = self.market.funding(self.id, listing.coin, now_ms, symbol=listing.symbol)
                row |= {
                    "fundingRate": f"{funding.rate:.8f}".rstrip("0").rstrip("."),
                    "nextFundingTime": str(funding.next_funding_ms),
                    "fundingIntervalHour": str(funding.interval_h),
                    "fundingCap": "0.005",
                }
            else:  # dated futures have no funding
                row |= {"fundingRate": "", "nextFundingTime": "0", "fundingIntervalHour": "", "fundingCap": ""}
            rows.append(row)
        result = {"category": category, "list": rows}
        return web.json_response({"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": now_ms})

    async def instruments_info(self, request: web.Request) -> web.Response:
        query = request.query
        category = query.get("category")
        if category not in ("linear", "inverse"):
            return self._rest_error(10001, "Illegal category")
        try:
            limit = int(query.get("limit", DEFAULT_PAGE))
            offset = int(query.get("cursor", "cursor-0").removeprefix("cursor-"))
        except ValueError:
            return self._rest_error(10001, "params error: limit or cursor")
        if not 1 <= limit <= MAX_PAGE:
            return self._rest_error(10001, "params error: limit must be in [1, 1000]")
        # Only Trading symbols unless a status is asked for; PreLaunch lists pre-market perps.
        wanted = query.get("status", "Trading")
        listings = self.listings if category == "linear" else self.inverse_listings
        rows = [self._row(listing) for listing in listings if listing.status == wanted]
        page = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        result = {
            "category": category,
            "list": page,
            "nextPageCursor": f"cursor-{offset + limit}" if more else "",
        }
        return web.json_response(
            {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": clock.now_ms()}
        )

    def _rest_error(self, code: int, message: str) -> web.Response:
        body = {"retCode": code, "retMsg": message, "result": {}, "retExtInfo": {}, "time": clock.now_ms()}
        return web.json_response(body)

    def _row(self, listing: Listing) -> dict:
        coin = self.market.coins.get(listing.coin)
        tick = coin.tick if coin else Decimal("0.01")
        # Inverse sizes are USD contracts, whole ones.
        step = Decimal(1) if listing.inverse else QTY_STEP.get(listing.coin, Decimal("0.01"))
        return {
            "symbol": listing.symbol,
            "contractType": listing.contract_type,
            "status": listing.status,
            "baseCoin": listing.coin,
            "quoteCoin": listing.quote,
            "launchTime": "1584230400000",
            "deliveryTime": str(listing.delivery_time_ms),
            "deliveryFeeRate": "0.0005" if listing.contract_type.endswith("Futures") else "",
            "priceScale": str(-tick.as_tuple().exponent),
            "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
            "priceFilter": {"minPrice": str(tick), "maxPrice": "1999999.80", "tickSize": str(tick)},
            "lotSizeFilter": {
                "maxOrderQty": "1190.000",
                "minOrderQty": str(step),
                "qtyStep": str(step),
                "postOnlyMaxOrderQty": "1190.000",
                "maxMktOrderQty": "500.000",
                "minNotionalValue": "5",
            },
            "unifiedMarginTrade": True,
            "fundingInterval": 480,
            "settleCoin": listing.settle,
            "copyTrading": "both",
            "upperFundingRate": "0.00375",
            "lowerFundingRate": "-0.00375",
            "isPreListing": listing.status == "PreLaunch",
            "preListingInfo": None,
            "displayName": "",
            "symbolType": listing.symbol_type,
        }

    # --- WebSocket ----------------------------------------------------------------------------
    async def wait_for_pings(self, total: int, timeout_s: float) -> None:
        """Until `total` client pings have arrived since start (heartbeat tests)."""
        async with asyncio.timeout(timeout_s), self._pinged:
            await self._pinged.wait_for(lambda: self.pings_received >= total)

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        # Each socket serves its own category's symbols: inverse topics are unknown on linear.
        books = self.inverse_books if socket_family() == "inverse" else self.books
        conn_id = str(uuid.uuid4())
        subscribed: dict[str, tuple[int, str]] = {}  # topic -> (depth, symbol)
        sent: dict[str, tuple[dict, dict]] = {}  # an orderbook.50 topic -> the levels last sent
        last_sent = [time.monotonic()]

        async def send(payload: dict) -> None:
            await ws.send_str(json.dumps(payload, separators=(",", ":")))
            last_sent[0] = time.monotonic()

        async def send_books() -> None:
            if self.faults.error:
                await send(self._refusal(conn_id, "subscribe", None, [TOPIC_PREFIX + "SIMULATED"]))
            moved = self.market.moved
            for topic, (depth, symbol) in list(subscribed.items()):
                if books[symbol] not in moved:
                    continue
                frame = self._push(topic, depth, symbol, sent)
                if frame is not None:
                    await send(frame)

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._cut_when_idle(ws, last_sent))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                for reply in await self._answer(msg.data, subscribed, sent, conn_id, books):
                    if not self.faults.stall:
                        await send(reply)
        finally:
            streamer.cancel()
            watchdog.cancel()

    async def _cut_when_idle(self, ws: web.WebSocketResponse, last_sent: list[float]) -> None:
        while not ws.closed:
            await asyncio.sleep(min(self.idle_timeout_s / 4, 1.0))
            if time.monotonic() - last_sent[0] > self.idle_timeout_s:
                await ws.close()
                return

    def _topic(self, arg: str, books: dict[str, str]) -> tuple[int, str] | None:
        """(depth, symbol) of an orderbook topic this simulator serves."""
        kind, _, rest = arg.partition(".")
        depth, _, symbol = rest.partition(".")
        if kind != "orderbook" or not depth.isdigit() or int(depth) not in DEPTHS or symbol not in books:
            return None
        return int(depth), symbol

    async def _answer(
        self,
        text: str,
        subscribed: dict[str, tuple[int, str]],
        sent: dict[str, tuple[dict, dict]],
        conn_id: str,
        books: dict[str, str],
    ) -> list[dict]:
        try:
            request = json.loads(text)
            op = request["op"]
            req_id = request.get("req_id")
            args = request.get("args") or []
            if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
                raise TypeError("args must be a list of topics")
        except (ValueError, KeyError, TypeError, AttributeError):
            return [self._refusal(conn_id, "", None, [], reason="error:invalid request")]
        if op == "ping":
            self.pings_received += 1
            async with self._pinged:
                self._pinged.notify_all()
            await pong_delay(self.faults)
            return [self._ack(conn_id, "ping", req_id, ret_msg="pong")]
        if op == "subscribe":
            unknown = [arg for arg in args if self._topic(arg, books) is None]
            twice = [arg for arg in args if arg in subscribed]
            fresh = [arg for arg in args if arg not in unknown and arg not in twice]
            subscribed.update({topic: self._topic(topic, books) for topic in fresh})
            if unknown:
                reply = self._refusal(conn_id, op, req_id, unknown)
            elif twice:
                reply = self._refusal(conn_id, op, req_id, twice, reason="error:already subscribed")
            else:
                reply = self._ack(conn_id, op, req_id)
            # A snapshot follows every successful subscription at once.
            return [reply, *(self._push(topic, *subscribed[topic], sent) for topic in fresh)]
        if op == "unsubscribe":
            for arg in args:
                subscribed.pop(arg, None)
                sent.pop(arg, None)
            return [self._ack(conn_id, op, req_id)]
        return [self._refusal(conn_id, op, req_id, [], reason=f"error:unsupported op {op}")]

    @staticmethod
    def _ack(conn_id: str, op: str, req_id: str | None, ret_msg: str = "") -> dict:
        ack = {"success": True, "ret_msg": ret_msg, "conn_id": conn_id, "op": op}
        if req_id is not None:
            ack["req_id"] = req_id
        return ack

    @staticmethod
    def _refusal(
        conn_id: str, op: str, req_id: str | None, topics: list[str], reason: str = "error:handler not found"
    ) -> dict:
        # Bybit names the refused topic inside ret_msg: "error:handler not found,topic:orderbook.1.X".
        message = reason + "".join(f",topic:{topic}" for topic in topics)
        refusal = {"success": False, "ret_msg": message, "conn_id": conn_id, "op": op}
        if req_id is not None:
            refusal["req_id"] = req_id
        return refusal

    def _push(self, topic: str, depth: int, symbol: str, sent: dict[str, tuple[dict, dict]]) -> dict | None:
        """What Bybit pushes on `topic` now: level 1 a snapshot each time; deeper books a snapshot
        first, then the levels that changed since (size "0": gone), or nothing if none did."""
        inverse = symbol in self.inverse_books
        coin = self.inverse_books[symbol] if inverse else self.books[symbol]
        step = QTY_STEP.get(coin, Decimal("0.01"))

        def size(price: Decimal, size_base: float) -> str:
            return _usd_contracts(size_base, price) if inverse else _lots(size_base, step)

        if depth == 1:
            book = self.market.book(self.id, coin)
            return self._frame(
                topic,
                "snapshot",
                symbol,
                {str(book.bid): size(book.bid, book.bid_size)},
                {str(book.ask): size(book.ask, book.ask_size)},
            )
        bids, asks = self.market.depth(self.id, coin, depth)
        new = ({str(p): size(p, q) for p, q in bids}, {str(p): size(p, q) for p, q in asks})
        old = sent.get(topic)
        sent[topic] = new
        if old is None:
            return self._frame(topic, "snapshot", symbol, *new)
        changes = [_changed(old_side, new_side) for old_side, new_side in zip(old, new, strict=True)]
        if not changes[0] and not changes[1]:
            return None
        return self._frame(topic, "delta", symbol, *changes)

    def _frame(self, topic: str, kind: str, symbol: str, bids: dict, asks: dict) -> dict:
        self._seq += 1
        now_ms = clock.now_ms()
        return {
            "topic": topic,
            "ts": now_ms,
            "type": kind,
            "data": {
                "s": symbol,
                "b": sorted(([p, q] for p, q in bids.items()), key=lambda level: -Decimal(level[0])),
                "a": sorted(([p, q] for p, q in asks.items()), key=lambda level: Decimal(level[0])),
                "u": self._seq,
                "seq": 10_000_000 + self._seq,
            },
            "cts": now_ms - 2,
        }


def _changed(old: dict, new: dict) -> dict:
    """price -> size of the levels that differ, "0" for those gone."""
    changes = {price: size for price, size in new.items() if old.get(price) != size}
    changes.update({price: "0" for price in old if price not in new})
    return changes


def _lots(size_base: float, step: Decimal) -> str:
    """Base units rounded down to the lot step, at least one lot."""
    lots = max(1, math.floor(size_base / float(step)))
    return str((lots * step).quantize(step, rounding=ROUND_DOWN))


def _usd_contracts(size_base: float, price: Decimal) -> str:
    """Base units as whole USD contracts (an inverse size), at least one."""
    return str(max(1, math.floor(size_base * float(price))))
