"""Bitget v2 futures as the simulator serves it: /api/v2/mix/market/contracts and current-fund-rate (each
contract's rate, interval in hours and next funding) per product type, and the v2 public socket with `books1` and
`books15` (snapshots every push, books15's first level books1's), Bitget's acks and error events for subscribe and
unsubscribe, the text ping rule and the 10-messages-a-second limit."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import Coin
from lib import clock

# Bitget closes a connection that sent no `ping` for 2 minutes; tests shorten this per simulator.
PING_SILENCE_LIMIT_S = 120.0
MAX_MESSAGES_PER_S = 10
MAX_CHANNELS = 1000
CHANNEL_LEVELS = {"books1": 1, "books15": 15}  # the book channels simulated, and their levels
USDC_COINS = ("BTC", "ETH")
COIN_MARGINED = ("BTC", "ETH")
# Decimal places of a size (volumePlace), close to Bitget's own.
VOLUME_PLACES = {"BTC": 4, "ETH": 2, "SOL": 1, "XRP": 0, "DOGE": 0, "BNB": 2, "ADA": 0, "LINK": 1}


def _volume_place(coin: Coin) -> int:
    return VOLUME_PLACES.get(coin.name, max(0, -coin.lot.as_tuple().exponent))


@dataclass(frozen=True)
class Listing:
    symbol: str
    inst_type: str
    coin: str
    quote: str
    margin_coins: tuple[str, ...]


class BitgetSim(SimExchange):
    id = "bitget"
    ws_path = "/v2/ws/public"
    default_server_ping_s = None  # Bitget does not ping; the client sends the text `ping`

    def __init__(self, market, server_ping_interval_s: float | None = None) -> None:
        super().__init__(market, server_ping_interval_s)
        self.ping_silence_limit_s = PING_SILENCE_LIMIT_S
        self.listings = {(listing.inst_type, listing.symbol): listing for listing in self._listings()}

    def _listings(self) -> list[Listing]:
        listings = [Listing(f"{c}USDT", "USDT-FUTURES", c, "USDT", ("USDT",)) for c in self.market.listed(self.id)]
        listings += [Listing(f"{c}PERP", "USDC-FUTURES", c, "USDC", ("USDC",)) for c in USDC_COINS]
        listings += [Listing(f"{c}USD", "COIN-FUTURES", c, "USD", ("BTC", "ETH", "USDC")) for c in COIN_MARGINED]
        return listings

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v2/mix/market/contracts", self.contracts),
            web.get("/api/v2/mix/market/current-fund-rate", self.current_fund_rate),
        ]

    async def current_fund_rate(self, request: web.Request) -> web.Response:
        """Every contract of the product type, or only `symbol` when one is named; strings throughout."""
        now_ms = clock.now_ms()
        product_type = request.query.get("productType", "").upper()
        symbol = request.query.get("symbol", "").upper()
        listings = [item for item in self.listings.values() if item.inst_type == product_type]
        if symbol:
            listings = [item for item in listings if item.symbol == symbol]
        if product_type not in ("USDT-FUTURES", "USDC-FUTURES", "COIN-FUTURES") or (symbol and not listings):
            code, msg = (
                ("40034", "Parameter symbol does not exist") if symbol else ("40020", "Parameter productType error")
            )
            return web.json_response({"code": code, "msg": msg, "requestTime": now_ms, "data": None}, status=400)
        data = []
        for listing in listings:
            funding = self.market.funding(self.id, listing.coin, now_ms, symbol=listing.symbol)
            data.append(
                {
                    "symbol": listing.symbol,
                    "fundingRate": f"{funding.rate.normalize():f}",
                    "fundingRateInterval": str(funding.interval_h),
                    "nextUpdate": str(funding.next_funding_ms),
                    "minFundingRate": "-0.003",
                    "maxFundingRate": "0.003",
                }
            )
        return web.json_response({"code": "00000", "msg": "success", "requestTime": now_ms, "data": data})

    async def contracts(self, request: web.Request) -> web.Response:
        product_type = request.query.get("productType", "").upper()
        if product_type not in ("USDT-FUTURES", "USDC-FUTURES", "COIN-FUTURES"):
            return web.json_response(
                {"code": "40020", "msg": "Parameter productType error", "requestTime": clock.now_ms(), "data": None},
                status=400,
            )
        data = [self._contract(item) for item in self.listings.values() if item.inst_type == product_type]
        if product_type == "USDT-FUTURES":
            btc = data[0]
            # What a connector must leave out: a dated future, a suspended contract and a stock token.
            data.append({**btc, "symbol": "BTCUSDT0327", "symbolType": "delivery", "deliveryTime": "1774598400000"})
            data.append({**btc, "symbol": "OLDUSDT", "baseCoin": "OLD", "symbolStatus": "off", "offTime": "1"})
            data.append({**btc, "symbol": "AAPLUSDT", "baseCoin": "AAPL", "isRwa": "YES"})
        return web.json_response({"code": "00000", "msg": "success", "requestTime": clock.now_ms(), "data": data})

    def _contract(self, listing: Listing) -> dict:
        price_place = -self.market.coins[listing.coin].tick.as_tuple().exponent
        volume_place = _volume_place(self.market.coins[listing.coin])
        return {
            "symbol": listing.symbol,
            "baseCoin": listing.coin,
            "quoteCoin": listing.quote,
            "buyLimitPriceRatio": "0.05",
            "sellLimitPriceRatio": "0.05",
            "makerFeeRate": "0.0002",
            "takerFeeRate": "0.0006",
            "supportMarginCoins": list(listing.margin_coins),
            "minTradeNum": str(Decimal(1).scaleb(-volume_place)),
            "priceEndStep": "1",
            "volumePlace": str(volume_place),
            "pricePlace": str(price_place),
            "sizeMultiplier": str(Decimal(1).scaleb(-volume_place)),
            "symbolType": "perpetual",
            "minTradeUSDT": "5",
            "symbolStatus": "normal",
            "offTime": "-1",
            "limitOpenTime": "-1",
            "deliveryTime": "",
            "deliveryStartTime": "",
            "launchTime": "",
            "fundInterval": "8",
            "minLever": "1",
            "maxLever": "125",
            "posLimit": "0.05",
            "maintainTime": "",
            "isRwa": "NO",
        }

    # --- WebSocket ----------------------------------------------------------------------------
    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        subscribed: dict[tuple[str, str, str], Listing] = {}  # (instType, instId, channel) -> listing
        last_ping = [time.monotonic()]
        recent: deque[float] = deque()
        pongs: set[asyncio.Task] = set()
        seq = [0]

        async def send_books() -> None:
            now_ms = clock.now_ms()
            if self.faults.error:
                await ws.send_str(json.dumps({"event": "error", "code": 30016, "msg": "simulated error"}))
            moved = self.market.moved
            for key, listing in list(subscribed.items()):
                # Not unsubscribed while an earlier frame was sent, and moved.
                if key in subscribed and listing.coin in moved:
                    seq[0] += 1
                    await ws.send_str(self._books(listing, key[2], seq[0], now_ms))

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._drop_when_silent(ws, last_ping))
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                self.messages_received += 1
                now = time.monotonic()
                recent.append(now)
                while recent and now - recent[0] > 1:
                    recent.popleft()
                if len(recent) > MAX_MESSAGES_PER_S:
                    await ws.close(code=1008, message=b"request too many")
                    break
                text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode(errors="replace")
                if text == "ping":
                    last_ping[0] = now
                    if not self.faults.stall:
                        task = asyncio.create_task(self._pong(ws))
                        pongs.add(task)
                        task.add_done_callback(pongs.discard)
                    continue
                for answer in self._answer(text, subscribed):
                    await ws.send_str(json.dumps(answer))
        finally:
            streamer.cancel()
            watchdog.cancel()
            for task in pongs:
                task.cancel()

    async def _pong(self, ws: web.WebSocketResponse) -> None:
        await pong_delay(self.faults)
        if not ws.closed:
            await ws.send_str("pong")

    async def _drop_when_silent(self, ws: web.WebSocketResponse, last_ping: list[float]) -> None:
        while not ws.closed:
            await asyncio.sleep(min(1.0, self.ping_silence_limit_s / 4))
            if time.monotonic() - last_ping[0] > self.ping_silence_limit_s:
                await ws.close(code=1000, message=b"no ping received")
                return

    def _answer(self, text: str, subscribed: dict[tuple[str, str, str], Listing]) -> list[dict]:
        """One answer per arg, as Bitget acks; an error for a request that is not one."""
        try:
            request = json.loads(text)
            op, args = request["op"], request["args"]
        except (ValueError, KeyError, TypeError):
            return [{"event": "error", "code": 30002, "msg": f"Unrecognized request: {text[:100]}"}]
        if op not in ("subscribe", "unsubscribe") or not isinstance(args, list):
            return [{"event": "error", "code": 30002, "msg": f"Unrecognized request: {text[:100]}"}]
        answers = []
        for arg in args:
            if not isinstance(arg, dict):
                answers.append({"event": "error", "code": 30002, "msg": f"Unrecognized request: {text[:100]}"})
                continue
            key = (str(arg.get("instType", "")).upper(), str(arg.get("instId", "")).upper())
            listing = self.listings.get(key)
            channel = arg.get("channel")
            if listing is None or channel not in CHANNEL_LEVELS:
                answers.append(
                    {
                        "event": "error",
                        "arg": arg,
                        "code": 30001,
                        "msg": f"instType:{arg.get('instType')},channel:{arg.get('channel')},"
                        f"instId:{arg.get('instId')} doesn't exist",
                        "op": op,
                    }
                )
                continue
            key = (*key, channel)
            if op == "subscribe":
                if len(subscribed) >= MAX_CHANNELS and key not in subscribed:
                    answers.append({"event": "error", "arg": arg, "code": "30004", "msg": "too many channels"})
                    continue
                subscribed[key] = listing
            else:
                subscribed.pop(key, None)
            answers.append({"event": op, "arg": arg})
        return answers

    def _books(self, listing: Listing, channel: str, seq: int, now_ms: int) -> str:
        """A snapshot of the channel's levels of the listing's book now, sizes in the base coin."""
        volume_place = _volume_place(self.market.coins[listing.coin])
        bids, asks = self.market.depth(self.id, listing.coin, CHANNEL_LEVELS[channel])

        def side(levels: list) -> list:
            return [[str(price), f"{max(size, 10**-volume_place):.{volume_place}f}"] for price, size in levels]

        frame = {
            "action": "snapshot",
            "arg": {"instType": listing.inst_type, "channel": channel, "instId": listing.symbol},
            "data": [
                {
                    "asks": side(asks),
                    "bids": side(bids),
                    "checksum": 0,
                    "seq": seq,
                    "ts": str(now_ms - 3),
                }
            ],
            "ts": now_ms,
        }
        return json.dumps(frame, separators=(",", ":"))
