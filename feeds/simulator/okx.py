"""OKX v5 as the simulator serves it: /api/v5/public/instruments and the public socket with
`bbo-tbt` and `books5` snapshots in contracts (books5's first level is bbo-tbt's), one ack or
error per arg for subscribe and unsubscribe, text ping/pong, the 30 s idle close (4004) and
the 64008 service-upgrade notice.

Follows https://www.okx.com/docs-v5/en/#overview-websocket and the order book channel and
instrument pages there; error codes and close codes are OKX's own.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from aiohttp import WSMsgType, web

from feeds.simulator.base import SimExchange, pong_delay
from feeds.simulator.market import Market
from lib import clock

CHANNEL = "bbo-tbt"
DEPTH_CHANNEL = "books5"
DEPTH_LEVELS = 5
MAX_REQUEST_BYTES = 64 * 1024
MAX_REQUESTS_PER_HOUR = 480
CLOSE_IDLE = 4004
CLOSE_TOO_LARGE = 1009
# Base units per contract of the USDT swaps, as OKX lists them.
USDT_CONTRACT_VALUE = {
    "BTC": "0.01",
    "ETH": "0.1",
    "SOL": "1",
    "XRP": "100",
    "DOGE": "1000",
    "BNB": "0.01",
    "ADA": "100",
    "LINK": "1",
}


@dataclass(frozen=True)
class Swap:
    inst_id: str
    coin: str
    family: str
    settle: str
    ct_type: str  # "linear" or "inverse"
    ct_val: str  # base units (linear) or USD (inverse) per contract
    ct_val_ccy: str
    inst_type: str = "SWAP"
    state: str = "live"
    rule_type: str = "normal"
    category: str = "1"

    @property
    def lot(self) -> Decimal:
        return Decimal("0.01") if self.ct_type == "linear" else Decimal(1)


def _catalogue(coins: list[str]) -> list[Swap]:
    swaps = [
        Swap(f"{coin}-USDT-SWAP", coin, f"{coin}-USDT", "USDT", "linear", USDT_CONTRACT_VALUE.get(coin, "1"), coin)
        for coin in coins
    ]
    if "BTC" in coins:
        swaps += [
            Swap("BTC-USDC-SWAP", "BTC", "BTC-USDC", "USDC", "linear", "0.0001", "BTC"),
            Swap("BTC-USD-SWAP", "BTC", "BTC-USD", "BTC", "inverse", "100", "USD"),
        ]
    if "ETH" in coins:
        swaps += [
            Swap("ETH-USDC-SWAP", "ETH", "ETH-USDC", "USDC", "linear", "0.001", "ETH"),
            Swap("ETH-USD-SWAP", "ETH", "ETH-USD", "ETH", "inverse", "10", "USD"),
        ]
    # What a connector must leave out: a dated future (listed under instType=FUTURES), a
    # pre-market swap, a suspended one and a stock perpetual.
    swaps += [
        Swap("BTC-USDT-261225", "BTC", "BTC-USDT", "USDT", "linear", "0.01", "BTC", inst_type="FUTURES"),
        Swap("NEW-USDT-SWAP", "NEW", "NEW-USDT", "USDT", "linear", "1", "NEW", state="preopen", rule_type="pre_market"),
        Swap("OLD-USDT-SWAP", "OLD", "OLD-USDT", "USDT", "linear", "1", "OLD", state="suspend"),
        Swap("TSLA-USDT-SWAP", "TSLA", "TSLA-USDT", "USDT", "linear", "0.01", "TSLA", category="3"),
    ]
    return swaps


class OKXSim(SimExchange):
    id = "okx"
    ws_path = "/ws/v5/public"
    # OKX closes a connection (4004) when nothing was pushed or received for 30 s.
    default_idle_timeout_s = 30.0

    def __init__(
        self, market: Market, server_ping_interval_s: float | None = None, idle_timeout_s: float | None = None
    ) -> None:
        super().__init__(market, server_ping_interval_s)
        self.idle_timeout_s = idle_timeout_s or self.default_idle_timeout_s
        self.catalogue = _catalogue(list(market.listed(self.id)))
        self.books = {
            swap.inst_id: swap for swap in self.catalogue if swap.state == "live" and swap.coin in market.coins
        }
        self.pings_received = 0
        self._pinged = asyncio.Condition()
        self._seq = 0
        self._senders: dict[web.WebSocketResponse, str] = {}

    # --- REST ---------------------------------------------------------------------------------
    def rest_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v5/public/instruments", self.instruments),
            web.get("/api/v5/public/funding-rate", self.funding_rate),
        ]

    async def funding_rate(self, request: web.Request) -> web.Response:
        """One swap's funding: `fundingTime` is the coming settlement, `nextFundingTime` the one after."""
        swap = self.books.get(request.query.get("instId", ""))
        if swap is None or swap.inst_type != "SWAP":
            return web.json_response({"code": "51001", "msg": "Instrument ID does not exist", "data": []})
        now_ms = clock.now_ms()
        funding = self.market.funding(self.id, swap.coin, now_ms, symbol=swap.inst_id)
        rate = f"{funding.rate:.8f}"
        row = {
            "formulaType": "noRate",
            "fundingRate": rate,
            "fundingTime": str(funding.next_funding_ms),
            "impactValue": "",
            "instId": swap.inst_id,
            "instType": "SWAP",
            "interestRate": "",
            "maxFundingRate": "0.00375",
            "method": "current_period",
            "minFundingRate": "-0.00375",
            "nextFundingRate": "",
            "nextFundingTime": str(funding.next_funding_ms + funding.interval_h * 3_600_000),
            "premium": rate,
            "settFundingRate": rate,
            "settState": "settled",
            "ts": str(now_ms),
        }
        return web.json_response({"code": "0", "msg": "", "data": [row]})

    async def instruments(self, request: web.Request) -> web.Response:
        inst_type = request.query.get("instType", "")
        if not inst_type:
            return web.json_response(
                {"code": "50014", "msg": "Parameter instType can not be empty.", "data": []}, status=400
            )
        if inst_type not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
            return web.json_response({"code": "51000", "msg": "Parameter instType error", "data": []}, status=400)
        rows = [self._row(swap) for swap in self.catalogue if swap.inst_type == inst_type]
        return web.json_response({"code": "0", "msg": "", "data": rows})

    def _row(self, swap: Swap) -> dict:
        coin = self.market.coins.get(swap.coin)
        return {
            "alias": "quarter" if swap.inst_type == "FUTURES" else "",
            "auctionEndTime": "",
            "baseCcy": "",
            "category": "1",
            "contTdSwTime": "",
            "ctMult": "1",
            "ctType": swap.ct_type,
            "ctVal": swap.ct_val,
            "ctValCcy": swap.ct_val_ccy,
            "expTime": "1766649600000" if swap.inst_type == "FUTURES" else "",
            "futureSettlement": False,
            "instCategory": swap.category,
            "instFamily": swap.family,
            "instId": swap.inst_id,
            "instType": swap.inst_type,
            "lever": "100",
            "listTime": "1611916828000",
            "lotSz": str(swap.lot),
            "maxIcebergSz": "100000000.0000000000000000",
            "maxLmtAmt": "20000000",
            "maxLmtSz": "100000000",
            "maxMktAmt": "",
            "maxMktSz": "12000",
            "maxStopSz": "12000",
            "maxTriggerSz": "100000000.0000000000000000",
            "maxTwapSz": "100000000.0000000000000000",
            "minSz": str(swap.lot),
            "openType": "",
            "optType": "",
            "quoteCcy": "",
            "ruleType": swap.rule_type,
            "settleCcy": swap.settle,
            "state": swap.state,
            "stk": "",
            "tickSz": str(coin.tick) if coin else "0.01",
            "uly": swap.family,
        }

    # --- WebSocket ----------------------------------------------------------------------------
    async def wait_for_pings(self, total: int, timeout_s: float) -> None:
        """Until `total` client pings have arrived since start (heartbeat tests)."""
        async with asyncio.timeout(timeout_s), self._pinged:
            await self._pinged.wait_for(lambda: self.pings_received >= total)

    async def send_service_upgrade_notice(self) -> None:
        """What OKX sends ~60 s before a planned service upgrade, to every connection."""
        for ws, conn_id in list(self._senders.items()):
            await ws.send_str(
                json.dumps(
                    {
                        "event": "notice",
                        "code": "64008",
                        "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
                        "connId": conn_id,
                    }
                )
            )

    async def serve_socket(self, ws: web.WebSocketResponse) -> None:
        conn_id = uuid.uuid4().hex[:8]
        subscribed: dict[tuple[str, str], Swap] = {}  # (channel, instId) -> swap
        last_traffic = [time.monotonic()]
        requests: list[float] = []  # subscribe/unsubscribe times, for the hourly limit
        self._senders[ws] = conn_id

        async def send(payload: dict | str) -> None:
            await ws.send_str(payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":")))
            last_traffic[0] = time.monotonic()

        async def send_books() -> None:
            if self.faults.error:
                await send(
                    {
                        "event": "error",
                        "code": "64007",
                        "msg": "Operation subscribe failed due to WebSocket internal error. Please try again later.",
                        "connId": conn_id,
                    }
                )
            moved = self.market.moved
            for key, swap in list(subscribed.items()):
                # Not unsubscribed while an earlier frame was sent, and moved.
                if key in subscribed and swap.coin in moved:
                    await send(self._push(key[0], swap))

        streamer = asyncio.create_task(self.stream(ws, send_books))
        watchdog = asyncio.create_task(self._close_when_idle(ws, last_traffic))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self.messages_received += 1
                last_traffic[0] = time.monotonic()
                if len(msg.data.encode()) > MAX_REQUEST_BYTES:
                    await ws.close(code=CLOSE_TOO_LARGE, message=b"Request message exceeds the maximum frame length")
                    break
                for reply in await self._answer(msg.data, subscribed, requests, conn_id):
                    if not self.faults.stall:
                        await send(reply)
        finally:
            self._senders.pop(ws, None)
            streamer.cancel()
            watchdog.cancel()

    async def _close_when_idle(self, ws: web.WebSocketResponse, last_traffic: list[float]) -> None:
        while not ws.closed:
            await asyncio.sleep(min(self.idle_timeout_s / 4, 1.0))
            if time.monotonic() - last_traffic[0] > self.idle_timeout_s:
                await ws.close(code=CLOSE_IDLE, message=b"No data received in 30s")
                return

    async def _answer(
        self, text: str, subscribed: dict[tuple[str, str], Swap], requests: list[float], conn_id: str
    ) -> list[dict | str]:
        if text == "ping":
            self.pings_received += 1
            async with self._pinged:
                self._pinged.notify_all()
            await pong_delay(self.faults)
            return ["pong"]
        try:
            request = json.loads(text)
            op = request["op"]
        except (ValueError, KeyError, TypeError):
            return [self._error(conn_id, None, "60012", f"Invalid request: {text}")]
        request_id = request.get("id")
        if op not in ("subscribe", "unsubscribe"):
            return [self._error(conn_id, request_id, "60019", f"Invalid op: {op}")]
        args = request.get("args")
        if not isinstance(args, list) or not args or not all(isinstance(arg, dict) for arg in args):
            return [self._error(conn_id, request_id, "60012", f"Invalid request: {text}")]
        now = time.monotonic()
        requests[:] = [at for at in requests if now - at < 3600]
        if len(requests) >= MAX_REQUESTS_PER_HOUR:
            return [self._error(conn_id, request_id, "60014", "Requests too frequent.")]
        requests.append(now)
        replies: list[dict | str] = []
        for arg in args:
            channel, inst_id = arg.get("channel"), arg.get("instId")
            swap = self.books.get(inst_id) if channel in (CHANNEL, DEPTH_CHANNEL) else None
            if swap is None:
                message = (
                    f"Wrong URL or channel:{channel},instId:{inst_id} doesn't exist. "
                    "Please use the correct URL, channel and parameters referring to API document."
                )
                replies.append(self._error(conn_id, request_id, "60018", message))
                continue
            ack = {"event": op, "arg": {"channel": channel, "instId": inst_id}, "connId": conn_id}
            replies.append(ack if request_id is None else {"id": request_id, **ack})
            if op == "subscribe":
                subscribed[channel, inst_id] = swap
                replies.append(self._push(channel, swap))  # the first snapshot follows the ack at once
            else:
                subscribed.pop((channel, inst_id), None)
        return replies

    @staticmethod
    def _error(conn_id: str, request_id: str | None, code: str, message: str) -> dict:
        error = {"event": "error", "code": code, "msg": message, "connId": conn_id}
        return error if request_id is None else {"id": request_id, **error}

    def _push(self, channel: str, swap: Swap) -> dict:
        """A bbo-tbt or books5 snapshot of the swap's book now; books5 names the instrument again."""
        if channel == CHANNEL:
            book = self.market.book(self.id, swap.coin)
            bids, asks = [(book.bid, book.bid_size)], [(book.ask, book.ask_size)]
        else:
            bids, asks = self.market.depth(self.id, swap.coin, DEPTH_LEVELS)
        self._seq += 1
        orders = 1 + self._seq % 17
        data = {
            "asks": [[str(price), _contracts(swap, size, price), "0", str(orders)] for price, size in asks],
            "bids": [[str(price), _contracts(swap, size, price), "0", str(orders + 1)] for price, size in bids],
            "ts": str(clock.now_ms()),
            "seqId": self._seq,
        }
        if channel == DEPTH_CHANNEL:
            data["instId"] = swap.inst_id
        return {"arg": {"channel": channel, "instId": swap.inst_id}, "data": [data]}


def _contracts(swap: Swap, size_base: float, price: Decimal) -> str:
    """Base units as the swap's contracts, whole lots, at least one lot."""
    per_contract = float(swap.ct_val)
    contracts = size_base / per_contract if swap.ct_type == "linear" else size_base * float(price) / per_contract
    lots = max(1, math.floor(contracts / float(swap.lot)))
    return str(lots * swap.lot)
