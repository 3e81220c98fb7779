"""MEXC futures as the simulator serves it: /api/v1/contract/detail, /api/v1/contract/funding_rate/{symbol} (one
contract's rate, interval in hours and next settlement) and the /edge socket with `sub.depth.full` at limit 5, 10
or 20 (the market's depth, so its first level is the same top of book at every limit) and `usub.depth.full` (or
`unsub.depth.full`), MEXC's symbol-less acks and `rs.error` frames, the client-ping rule
and gzip binary pushes."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from dataclasses import dataclass
from decimal import Decimal

import msgspec
from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from lib import clock

# MEXC closes a connection that sent no ping for a minute; tests shorten this per simulator.
PING_SILENCE_LIMIT_S = 60.0
DEPTH_LIMITS = (5, 10, 20)
DEFAULT_DEPTH_LIMIT = 20
# Base units per contract of the USDT- and USDC-margined perpetuals, close to MEXC's own.
CONTRACT_SIZES = {
    "BTC": Decimal("0.0001"),
    "ETH": Decimal("0.01"),
    "SOL": Decimal("0.1"),
    "XRP": Decimal("1"),
    "DOGE": Decimal("100"),
    "BNB": Decimal("0.01"),
    "ADA": Decimal("1"),
    "LINK": Decimal("0.1"),
}
# Inverse perpetuals (BTC_USD) count USD contracts.
INVERSE_FACE_USD = {"BTC": Decimal(100), "ETH": Decimal(10)}
USDC_COINS = ("BTC", "ETH")
_GZIP_WBITS = 16 + zlib.MAX_WBITS


@dataclass(frozen=True)
class Listing:
    symbol: str
    coin: str
    quote: str
    settle: str
    contract_size: Decimal  # base units, or USD for inverse
    inverse: bool = False

    def contracts(self, size_base: float, price: Decimal) -> int:
        """Whole contracts for a size in coins (MEXC's volUnit is 1), never zero on a live level."""
        if self.inverse:
            count = Decimal(repr(size_base)) * price / self.contract_size
        else:
            count = Decimal(repr(size_base)) / self.contract_size
        return max(1, int(count))


@dataclass
class _Subscription:
    listing: Listing
    limit: int
    gzip: bool


# MEXC's Java server writes numbers as stripped BigDecimals: 75480 goes out as 7.548E+4, 0.1000 as 0.1.
# msgspec writes a Decimal as a JSON number spelled exactly as str() spells it, and normalize() strips it.
_encoder = msgspec.json.Encoder(decimal_format="number")


def _json(body: object) -> bytes:
    return _encoder.encode(body)


def _gzip(payload: bytes) -> bytes:
    packer = zlib.compressobj(wbits=_GZIP_WBITS)
    return packer.compress(payload) + packer.flush()


class MexcSim(SimExchange):
    id = "mexc"
    ws_path = "/edge"
    default_server_ping_s = None  # MEXC does not ping; the client must

    def __init__(self, market, server_ping_interval_s: float | None = None) -> None:
        super().__init__(market, server_ping_interval_s)
        self.ping_silence_limit_s = PING_SILENCE_LIMIT_S
        self.listings = {listing.symbol: listing for listing in self._listings()}

    def _listings(self) -> list[Listing]:
        listings = [
            Listing(f"{name}_USDT", name, "USDT", "USDT", CONTRACT_SIZES.get(name, coin.lot))
            for name, coin in self.market.listed(self.id).items()
        ]
        listings += [Listing(f"{c}_USDC", c, "USDC", "USDC", CONTRACT_SIZES[c]) for c in USDC_COINS]
        listings += [Listing(f"{c}_USD", c, "USD", c, face, inverse=True) for c, face in INVERSE_FACE_USD.items()]
        return listings

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v1/contract/detail", self.contract_detail),
            web.get("/api/v1/contract/funding_rate/{symbol}", self.funding_rate),
        ]

    async def funding_rate(self, request: web.Request) -> web.Response:
        listing = self.listings.get(request.match_info["symbol"])
        if listing is None:
            body = {"success": False, "code": 1001, "message": "Contract does not exist"}
            return web.Response(body=_json(body), content_type="application/json")
        now_ms = clock.now_ms()
        funding = self.market.funding(self.id, listing.coin, now_ms, symbol=listing.symbol)
        data = {
            "symbol": listing.symbol,
            "fundingRate": funding.rate.normalize(),
            "maxFundingRate": Decimal("0.003"),
            "minFundingRate": Decimal("-0.003"),
            "collectCycle": funding.interval_h,
            "nextSettleTime": funding.next_funding_ms,
            "timestamp": now_ms,
        }
        return web.Response(body=_json({"success": True, "code": 0, "data": data}), content_type="application/json")

    async def contract_detail(self, request: web.Request) -> web.Response:
        contracts = [self._contract(listing) for listing in self.listings.values()]
        btc = contracts[0]
        # What a connector must leave out: a dated future, an offline contract and a stock perpetual.
        contracts.append({**btc, "symbol": "BTC_USDT_260327", "displayNameEn": "BTC_USDT 0327", "futureType": 2})
        contracts.append({**btc, "symbol": "LUNA_USDT", "baseCoin": "LUNA", "state": 3})
        contracts.append(
            {**btc, "symbol": "AAPLSTOCK_USDT", "baseCoin": "AAPLSTOCK", "conceptPlate": ["mc-trade-zone-tradfi"]}
        )
        return web.Response(
            body=_json({"success": True, "code": 0, "data": contracts}), content_type="application/json"
        )

    def _contract(self, listing: Listing) -> dict:
        tick = self.market.coins[listing.coin].tick
        return {
            "symbol": listing.symbol,
            "displayName": f"{listing.symbol}永续",
            "displayNameEn": f"{listing.symbol} PERPETUAL",
            "positionOpenType": 3,
            "baseCoin": listing.coin,
            "quoteCoin": listing.quote,
            "settleCoin": listing.settle,
            "futureType": 1,
            "contractSize": listing.contract_size.normalize(),
            "priceScale": -tick.as_tuple().exponent,
            "volScale": 0,
            "priceUnit": tick.normalize(),
            "volUnit": 1,
            "minVol": 1,
            "maxVol": 1_000_000,
            "state": 0,
            "isNew": False,
            "isHidden": False,
            "conceptPlate": ["mc-trade-zone-pow"] if listing.coin == "BTC" else [],
            "apiAllowed": True,
        }

    # --- WebSocket ----------------------------------------------------------------------------
    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        subscriptions: dict[str, _Subscription] = {}
        last_ping = [time.monotonic()]
        pongs: set[asyncio.Task] = set()

        async def send_books() -> None:
            now_ms = clock.now_ms()
            if self.faults.error:
                await ws.send_str(_json({"channel": "rs.error", "data": "simulated error", "ts": now_ms}).decode())
            moved = self.market.moved
            for symbol, sub in list(subscriptions.items()):
                if subscriptions.get(symbol) is not sub or sub.listing.coin not in moved:
                    continue  # unsubscribed while an earlier frame was sent, or not moved
                frame = self._depth_frame(sub, now_ms)
                if sub.gzip:
                    await ws.send_bytes(_gzip(frame))
                else:
                    await ws.send_str(frame.decode())

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._drop_when_silent(ws, last_ping))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    text = msg.data
                elif msg.type == WSMsgType.BINARY:
                    text = msg.data.decode(errors="replace")
                else:
                    continue
                self.messages_received += 1
                request = _request(text)
                if request.get("method") == "ping":
                    last_ping[0] = time.monotonic()
                    if not self.faults.stall:
                        task = asyncio.create_task(self._pong(ws))
                        pongs.add(task)
                        task.add_done_callback(pongs.discard)
                    continue
                await ws.send_str(_json(self._answer(request, subscriptions)).decode())
        finally:
            streamer.cancel()
            watchdog.cancel()
            for task in pongs:
                task.cancel()

    async def _pong(self, ws: web.WebSocketResponse) -> None:
        await pong_delay(self.faults)
        if not ws.closed:
            await ws.send_str(_json({"channel": "pong", "data": clock.now_ms()}).decode())

    async def _drop_when_silent(self, ws: web.WebSocketResponse, last_ping: list[float]) -> None:
        while not ws.closed:
            await asyncio.sleep(min(1.0, self.ping_silence_limit_s / 4))
            if time.monotonic() - last_ping[0] > self.ping_silence_limit_s:
                await ws.close(code=1000, message=b"no ping received")
                return

    def _answer(self, request: dict, subscriptions: dict[str, _Subscription]) -> dict:
        now_ms = clock.now_ms()
        method = request.get("method")
        param = request.get("param") if isinstance(request.get("param"), dict) else {}
        symbol = param.get("symbol")
        if method == "sub.depth.full":
            listing = self.listings.get(symbol) if isinstance(symbol, str) else None
            if listing is None:
                return {"channel": "rs.error", "data": "Contract doesn't exist!", "ts": now_ms}
            limit = param.get("limit", DEFAULT_DEPTH_LIMIT)
            if limit not in DEPTH_LIMITS:
                return {"channel": "rs.error", "data": "limit must be 5, 10 or 20", "ts": now_ms}
            # Pushes are gzip-compressed binary frames unless the request asks for text with "gzip": false.
            subscriptions[symbol] = _Subscription(listing, limit, gzip=request.get("gzip") is not False)
            return {"channel": "rs.sub.depth.full", "data": "success", "ts": now_ms}
        if method in ("unsub.depth.full", "usub.depth.full"):  # the docs spell it usub
            subscriptions.pop(symbol, None)
            return {"channel": "rs.unsub.depth.full", "data": "success", "ts": now_ms}
        if method is None:
            return {"channel": "rs.error", "data": "Invalid request", "ts": now_ms}
        return {"channel": "rs.error", "data": f"Method not supported: {method}", "ts": now_ms}

    def _depth_frame(self, sub: _Subscription, now_ms: int) -> bytes:
        listing = sub.listing
        bids, asks = self.market.depth(self.id, listing.coin, sub.limit)
        asks = [_level(listing, price, size, n) for n, (price, size) in enumerate(asks)]
        bids = [_level(listing, price, size, n) for n, (price, size) in enumerate(bids)]
        depth = {"cts": now_ms - 4, "version": self.market.step_no, "asks": asks, "bids": bids}
        return _json({"symbol": listing.symbol, "data": depth, "channel": "push.depth.full", "ts": now_ms})


def _level(listing: Listing, price: Decimal, size_base: float, depth: int) -> list:
    """[price, contracts, order count], as MEXC lists a level."""
    return [price.normalize(), listing.contracts(size_base, price), depth + 1]


def _request(text: str) -> dict:
    try:
        request = json.loads(text)
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}
