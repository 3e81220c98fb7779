"""The simulated exchanges serve their depth streams in the exchanges' formats, with the same top
of book as their quote streams, stop them on unsubscribe, and a depth session hands on depth
records from each."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import pytest

from feeds.exchanges import get_connector, parse_depth, parse_frame, parse_instruments
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector

# The exchanges whose simulators serve depth, and the symbol and levels a side of their BTC/USDT perpetual.
DEPTH_SESSIONS = {  # exchange -> a symbol, its instrument, the levels a side its depth gives
    "binance": ("BTCUSDT", "BTC/USDT:USDT", 10),
    "bybit": ("BTCUSDT", "BTC/USDT:USDT", 10),
    "okx": ("BTC-USDT-SWAP", "BTC/USDT:USDT", 5),
    "bitget": ("BTCUSDT", "BTC/USDT:USDT", 10),
    "gateio": ("BTC_USDT", "BTC/USDT:USDT", 10),
    "kucoin": ("XBTUSDTM", "BTC/USDT:USDT", 10),
    "mexc": ("BTC_USDT", "BTC/USDT:USDT", 10),
    "deribit": ("BTC-PERPETUAL", "BTC/USD:BTC", 10),
    "bitmex": ("XBTUSD", "BTC/USD:BTC", 10),
    "phemex": ("BTCUSDT", "BTC/USDT:USDT", 10),
}
DEPTH_EXCHANGES = list(DEPTH_SESSIONS)


@pytest.fixture
async def sim():
    async with Simulator(DEPTH_EXCHANGES, step_interval_s=0.02, seed=5) as simulator:
        yield simulator


async def _instruments(http: aiohttp.ClientSession, sim: Simulator, exchange_id: str, path: str) -> dict:
    body = await (await http.get(sim.endpoints[exchange_id].rest_url + path)).read()
    return {i.symbol: i for i in parse_instruments(exchange_id, body)}


async def test_binance_serves_depth10_whose_top_is_the_book_ticker(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "binance", "/fapi/v1/exchangeInfo")
        ws = await http.ws_connect(sim.endpoints["binance"].ws_url)
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker","btcusdt@depth10@100ms"],"id":1}')
        assert json.loads((await ws.receive(timeout=5)).data) == {"result": None, "id": 1}
        # Each market step sends the ticker, then the depth, of the same book.
        while True:
            first = (await ws.receive(timeout=5)).data
            if json.loads(first)["e"] == "bookTicker":
                break
        [quote] = parse_frame("binance", first, instruments)
        [depth] = parse_depth("binance", (await ws.receive(timeout=5)).data, instruments)
        await ws.close()
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert [p for p, _ in depth.bids] == sorted((p for p, _ in depth.bids), reverse=True)
    assert [p for p, _ in depth.asks] == sorted(p for p, _ in depth.asks)


async def test_bybit_serves_orderbook50_as_snapshot_then_deltas_whose_top_is_orderbook1(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "bybit", "/v5/market/instruments-info?category=linear")
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT","orderbook.50.BTCUSDT"]}')
        assert json.loads((await ws.receive(timeout=5)).data)["success"] is True
        state: dict = {}
        kinds = []
        quote = depth = None
        while "delta" not in kinds or quote is None or depth is None or depth.ts_ms != quote.ts_ms:
            raw = (await ws.receive(timeout=5)).data
            frame = json.loads(raw)
            if frame["topic"].startswith("orderbook.50."):
                kinds.append(frame["type"])
                [depth] = parse_depth("bybit", raw, instruments, state)
            else:
                [quote] = parse_frame("bybit", raw, instruments, {})
        await ws.close()
    assert kinds[0] == "snapshot"
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)


@pytest.mark.parametrize("exchange_id", DEPTH_EXCHANGES)
async def test_a_depth_session_hands_on_depth_records(sim, start_session, exchange_id):
    symbol, instrument, levels = DEPTH_SESSIONS[exchange_id]
    depths = Collector()
    session, quotes = await start_session(sim, exchange_id, watched=[symbol], on_depth=depths)
    depth = await depths.next()
    assert (depth.exchange, depth.instrument, len(depth.bids), len(depth.asks)) == (
        exchange_id,
        instrument,
        levels,
        levels,
    )
    assert quotes.count == 0  # a depth connection carries no quotes
    assert session.status.frame_errors == 0


def test_a_coin_worth_few_ticks_has_no_bid_at_or_below_zero():
    from decimal import Decimal

    from feeds.simulator.market import Coin, Market

    market = Market(["bybit"], coins=(Coin("TINY", Decimal("0.0005"), Decimal("0.0001"), 10.0),), seed=1)
    bids, asks = market.depth("bybit", "TINY", 50)
    assert len(asks) == 50 and 0 < len(bids) < 50
    assert all(price > 0 for price, _ in bids)


async def _frames_until(ws: aiohttp.ClientWebSocketResponse, done, timeout_s: float = 5.0) -> list:
    """Text frames (decoded JSON) received until `done(frame)` holds for one; that one last."""
    frames = []
    async with asyncio.timeout(timeout_s):
        while True:
            frames.append(json.loads((await ws.receive()).data))
            if done(frames[-1]):
                return frames


async def _no_frame_within(ws: aiohttp.ClientWebSocketResponse, unwanted, steps_s: float) -> list:
    """Frames received for `steps_s` seconds; the test asserts none is `unwanted`."""
    frames = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(steps_s):
            while True:
                frames.append(json.loads((await ws.receive()).data))
    return [frame for frame in frames if unwanted(frame)]


# --- OKX: books5 -------------------------------------------------------------------------------


def _okx_channel(frame: dict) -> str | None:
    return frame.get("arg", {}).get("channel") if "data" in frame else None


async def test_okx_serves_books5_whose_top_is_bbo_tbt(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "okx", "/api/v5/public/instruments?instType=SWAP")
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        args = [{"channel": channel, "instId": "BTC-USDT-SWAP"} for channel in ("bbo-tbt", "books5")]
        await ws.send_str(json.dumps({"id": "1", "op": "subscribe", "args": args}))
        acks = await _frames_until(ws, lambda frame: frame.get("arg", {}).get("channel") == "books5")
        assert {"id": "1", "event": "subscribe", "arg": args[0], "connId": acks[0]["connId"]} in acks
        # Each market step sends bbo-tbt, then books5, of the same book.
        while True:
            first = (await ws.receive(timeout=5)).data
            if _okx_channel(json.loads(first)) == "bbo-tbt":
                break
        [quote] = parse_frame("okx", first, instruments)
        [depth] = parse_depth("okx", (await ws.receive(timeout=5)).data, instruments)
        await ws.close()
    assert (len(depth.bids), len(depth.asks)) == (5, 5)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert [p for p, _ in depth.asks] == sorted(p for p, _ in depth.asks)


async def test_okx_unsubscribed_books5_stops_while_bbo_tbt_goes_on(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        args = [{"channel": channel, "instId": "BTC-USDT-SWAP"} for channel in ("bbo-tbt", "books5")]
        await ws.send_str(json.dumps({"id": "1", "op": "subscribe", "args": args}))
        await _frames_until(ws, lambda frame: _okx_channel(frame) == "books5")
        await ws.send_str(json.dumps({"id": "2", "op": "unsubscribe", "args": [args[1]]}))
        ack = (await _frames_until(ws, lambda frame: frame.get("event") == "unsubscribe"))[-1]
        assert ack == {"id": "2", "event": "unsubscribe", "arg": args[1], "connId": ack["connId"]}
        late = await _no_frame_within(ws, lambda frame: _okx_channel(frame) == "books5", 0.2)
        await _frames_until(ws, lambda frame: _okx_channel(frame) == "bbo-tbt")
        await ws.close()
    assert late == []


# --- Bitget: books15 -----------------------------------------------------------------------------


def _bitget_channel(frame: dict) -> str | None:
    return frame["arg"]["channel"] if "data" in frame else None


async def test_bitget_serves_books15_whose_top_is_books1(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "bitget", "/api/v2/mix/market/contracts?productType=USDT-FUTURES")
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        args = [
            {"instType": "USDT-FUTURES", "channel": channel, "instId": "BTCUSDT"} for channel in ("books1", "books15")
        ]
        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        acks = [json.loads((await ws.receive(timeout=5)).data) for _ in args]
        assert acks == [{"event": "subscribe", "arg": arg} for arg in args]
        # Each market step sends books1, then books15, of the same book.
        while True:
            first = (await ws.receive(timeout=5)).data
            if _bitget_channel(json.loads(first)) == "books1":
                break
        [quote] = parse_frame("bitget", first, instruments)
        [depth] = parse_depth("bitget", (await ws.receive(timeout=5)).data, instruments)
        await ws.close()
    assert (len(depth.bids), len(depth.asks)) == (10, 10)  # fifteen sent, the best ten kept
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert [p for p, _ in depth.bids] == sorted((p for p, _ in depth.bids), reverse=True)


async def test_bitget_unsubscribed_books15_stops_while_books1_goes_on(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        args = [
            {"instType": "USDT-FUTURES", "channel": channel, "instId": "BTCUSDT"} for channel in ("books1", "books15")
        ]
        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        await _frames_until(ws, lambda frame: _bitget_channel(frame) == "books15")
        await ws.send_str(json.dumps({"op": "unsubscribe", "args": [args[1]]}))
        ack = (await _frames_until(ws, lambda frame: frame.get("event") == "unsubscribe"))[-1]
        assert ack == {"event": "unsubscribe", "arg": args[1]}
        late = await _no_frame_within(ws, lambda frame: _bitget_channel(frame) == "books15", 0.2)
        await _frames_until(ws, lambda frame: _bitget_channel(frame) == "books1")
        await ws.close()
    assert late == []


# --- Gate.io: futures.order_book -----------------------------------------------------------------


def _gateio_request(channel: str, event: str, payload: list, request_id: int) -> str:
    return json.dumps({"time": 1700000000, "id": request_id, "channel": channel, "event": event, "payload": payload})


async def test_gateio_serves_order_book_whose_top_is_the_book_ticker(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "gateio", "/api/v4/futures/usdt/contracts")
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url, headers={"X-Gate-Size-Decimal": "1"})
        await ws.send_str(_gateio_request("futures.book_ticker", "subscribe", ["BTC_USDT"], 1))
        await ws.send_str(_gateio_request("futures.order_book", "subscribe", ["BTC_USDT", "10", "0"], 2))
        ack = (await _frames_until(ws, lambda frame: frame.get("id") == 2))[-1]
        assert (ack["channel"], ack["event"], ack["result"]) == (
            "futures.order_book",
            "subscribe",
            {"status": "success"},
        )
        # Each market step sends the book ticker, then the order book, of the same book.
        while True:
            first = (await ws.receive(timeout=5)).data
            if json.loads(first)["channel"] == "futures.book_ticker":
                break
        [quote] = parse_frame("gateio", first, instruments)
        [depth] = parse_depth("gateio", (await ws.receive(timeout=5)).data, instruments)
        await ws.close()
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)


async def test_gateio_unsubscribed_order_book_stops_while_the_book_ticker_goes_on(sim):
    def order_book(frame: dict) -> bool:
        return frame["channel"] == "futures.order_book" and frame["event"] == "all"

    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url)
        await ws.send_str(_gateio_request("futures.book_ticker", "subscribe", ["BTC_USDT"], 1))
        await ws.send_str(_gateio_request("futures.order_book", "subscribe", ["BTC_USDT", "10", "0"], 2))
        await _frames_until(ws, order_book)
        await ws.send_str(_gateio_request("futures.order_book", "unsubscribe", ["BTC_USDT", "10", "0"], 3))
        ack = (await _frames_until(ws, lambda frame: frame.get("id") == 3))[-1]
        assert (ack["event"], ack["result"]) == ("unsubscribe", {"status": "success"})
        late = await _no_frame_within(ws, order_book, 0.2)
        await _frames_until(ws, lambda frame: frame["channel"] == "futures.book_ticker")
        await ws.close()
    assert late == []


# --- KuCoin: /contractMarket/level2Depth50 -------------------------------------------------------


async def _kucoin_connect(http: aiohttp.ClientSession, sim: Simulator) -> aiohttp.ClientWebSocketResponse:
    async with http.post(sim.endpoints["kucoin"].rest_url + "/api/v1/bullet-public") as response:
        body = await response.json()
    endpoint = body["data"]["instanceServers"][0]["endpoint"]
    ws = await http.ws_connect(f"{endpoint}?token={body['data']['token']}&connectId=depth-1")
    assert json.loads((await ws.receive(timeout=5)).data) == {"id": "depth-1", "type": "welcome"}
    return ws


def _kucoin_request(kind: str, topic: str, request_id: str) -> str:
    return json.dumps({"id": request_id, "type": kind, "topic": topic, "privateChannel": False, "response": True})


def _kucoin_subject(frame: dict) -> str | None:
    return frame.get("subject") if frame["type"] == "message" else None


@pytest.mark.parametrize("symbol", ["XBTUSDTM", "XBTUSDM"])  # a linear contract and an inverse one
async def test_kucoin_serves_level2_depth50_whose_top_is_ticker_v2(sim, symbol):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "kucoin", "/api/v1/contracts/active")
        ws = await _kucoin_connect(http, sim)
        await ws.send_str(_kucoin_request("subscribe", f"/contractMarket/tickerV2:{symbol}", "1"))
        await ws.send_str(_kucoin_request("subscribe", f"/contractMarket/level2Depth50:{symbol}", "2"))
        await _frames_until(ws, lambda frame: frame == {"id": "2", "type": "ack"})
        # Each market step sends the ticker, then the depth, of the same book.
        while True:
            first = (await ws.receive(timeout=5)).data
            if _kucoin_subject(json.loads(first)) == "tickerV2":
                break
        [quote] = parse_frame("kucoin", first, instruments)
        [depth] = parse_depth("kucoin", (await ws.receive(timeout=5)).data, instruments)
        await ws.close()
    assert (depth.symbol, len(depth.bids), len(depth.asks)) == (symbol, 10, 10)  # fifty sent, ten kept
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)


async def test_kucoin_unsubscribed_depth_stops_while_the_ticker_goes_on(sim):
    depth_topic = "/contractMarket/level2Depth50:XBTUSDTM"
    async with aiohttp.ClientSession() as http:
        ws = await _kucoin_connect(http, sim)
        await ws.send_str(_kucoin_request("subscribe", "/contractMarket/tickerV2:XBTUSDTM", "1"))
        await ws.send_str(_kucoin_request("subscribe", depth_topic, "2"))
        await _frames_until(ws, lambda frame: _kucoin_subject(frame) == "level2")
        await ws.send_str(_kucoin_request("unsubscribe", depth_topic, "3"))
        await _frames_until(ws, lambda frame: frame == {"id": "3", "type": "ack"})
        late = await _no_frame_within(ws, lambda frame: _kucoin_subject(frame) == "level2", 0.2)
        await _frames_until(ws, lambda frame: _kucoin_subject(frame) == "tickerV2")
        await ws.close()
    assert late == []


# --- MEXC: sub.depth.full at limit 10 beside the quotes' limit 5 ----------------------------------


def _mexc_request(method: str, symbol: str, limit: int | None = None) -> str:
    param = {"symbol": symbol} if limit is None else {"symbol": symbol, "limit": limit}
    return json.dumps({"method": method, "param": param, "gzip": False})


async def test_mexc_serves_ten_levels_whose_top_is_the_quote_streams(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "mexc", "/api/v1/contract/detail")
        quotes_ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        depth_ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        # What the two kinds of connection send: the quotes at limit 5, the depth at limit 10.
        await quotes_ws.send_str(get_connector("mexc").subscribe_messages(["BTC_USDT"])[0])
        await depth_ws.send_str(get_connector("mexc").depth_subscribe_messages(["BTC_USDT"])[0])
        for ws in (quotes_ws, depth_ws):
            assert json.loads((await ws.receive(timeout=5)).data)["channel"] == "rs.sub.depth.full"
        # Both connections push every market step; `version` names the step, so frames of one step pair up.
        seen: tuple[dict, dict] = ({}, {})
        async with asyncio.timeout(5):
            while not seen[0].keys() & seen[1].keys():
                for ws, frames in zip((quotes_ws, depth_ws), seen, strict=True):
                    raw = (await ws.receive()).data
                    frames[json.loads(raw)["data"]["version"]] = raw
        [version] = sorted(seen[0].keys() & seen[1].keys())[:1]
        [quote] = parse_frame("mexc", seen[0][version], instruments)
        [depth] = parse_depth("mexc", seen[1][version], instruments)
        await quotes_ws.close()
        await depth_ws.close()
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)


async def test_mexc_unsubscribed_depth_stops(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str(_mexc_request("sub.depth.full", "BTC_USDT", 10))
        await ws.send_str(_mexc_request("sub.depth.full", "ETH_USDT", 10))
        await _frames_until(ws, lambda frame: frame.get("symbol") == "BTC_USDT")
        await ws.send_str(get_connector("mexc").depth_unsubscribe_messages(["BTC_USDT"])[0])
        ack = (await _frames_until(ws, lambda frame: frame["channel"].startswith("rs.u")))[-1]
        assert ack["data"] == "success"
        late = await _no_frame_within(ws, lambda frame: frame.get("symbol") == "BTC_USDT", 0.2)
        await _frames_until(ws, lambda frame: frame.get("symbol") == "ETH_USDT")
        await ws.close()
    assert late == []


async def _rpc_reply(ws: aiohttp.ClientWebSocketResponse, message: str) -> dict:
    """Send one JSON-RPC request; its reply (notifications in between are skipped)."""
    await ws.send_str(message)
    request_id = json.loads(message)["id"]
    while True:
        body = json.loads((await ws.receive(timeout=5)).data)
        if body.get("id") == request_id and "method" not in body:
            return body


@pytest.mark.parametrize("symbol", ["BTC-PERPETUAL", "BTC_USDC-PERPETUAL"])  # inverse, linear
async def test_deribit_serves_the_grouped_book_whose_top_is_the_quote_and_drops_it_on_unsubscribe(sim, symbol):
    connector = get_connector("deribit")
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "deribit", "/api/v2/public/get_instruments?currency=any")
        ws = await http.ws_connect(sim.endpoints["deribit"].ws_url)
        quote_subscribe = connector.subscribe_messages([symbol])[-1]
        assert (await _rpc_reply(ws, quote_subscribe))["result"] == [f"quote.{symbol}"]
        depth_subscribe = connector.depth_subscribe_messages([symbol])[-1]
        assert (await _rpc_reply(ws, depth_subscribe))["result"] == [f"book.{symbol}.none.10.100ms"]
        # Each market step sends the book, then the quote, of the same moment.
        depth = None
        while True:
            raw = (await ws.receive(timeout=5)).data
            if json.loads(raw).get("params", {}).get("channel", "").startswith("book."):
                [depth] = parse_depth("deribit", raw, instruments)
            elif depth is not None:
                [quote] = parse_frame("deribit", raw, instruments)
                break
        [unsubscribe] = connector.depth_unsubscribe_messages([symbol])
        assert (await _rpc_reply(ws, unsubscribe))["result"] == [f"book.{symbol}.none.10.100ms"]
        after = [json.loads((await ws.receive(timeout=5)).data)["params"]["channel"] for _ in range(5)]
        await ws.close()
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert after == [f"quote.{symbol}"] * 5  # the quotes go on, the book does not


@pytest.mark.parametrize("symbol", ["XBTUSD", "XBTUSDT"])  # inverse, linear
async def test_bitmex_serves_order_book10_whose_top_is_the_quote_and_drops_it_on_unsubscribe(sim, symbol):
    connector = get_connector("bitmex")
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "bitmex", "/api/v1/instrument/active")
        ws = await http.ws_connect(sim.endpoints["bitmex"].ws_url)
        assert "Welcome" in json.loads((await ws.receive(timeout=5)).data)["info"]
        [subscribe] = connector.depth_subscribe_messages([symbol])
        await ws.send_str(subscribe.replace('"args":[', f'"args":["quote:{symbol}",'))
        # Past the acks and partials, each market step sends the quotes, then the book, of one moment.
        book_partial_seen = False
        while True:
            frame = json.loads(raw := (await ws.receive(timeout=5)).data)
            if (frame.get("table"), frame.get("action")) == ("orderBook10", "partial"):
                book_partial_seen = True
            elif (frame.get("table"), frame.get("action")) == ("quote", "insert") and book_partial_seen:
                break
        [quote] = parse_frame("bitmex", raw, instruments, {})
        [depth] = parse_depth("bitmex", (await ws.receive(timeout=5)).data, instruments)
        [unsubscribe] = connector.depth_unsubscribe_messages([symbol])
        await ws.send_str(unsubscribe)
        while "unsubscribe" not in (ack := json.loads((await ws.receive(timeout=5)).data)):
            pass
        after = [json.loads((await ws.receive(timeout=5)).data)["table"] for _ in range(5)]
        await ws.close()
    assert ack["unsubscribe"] == f"orderBook10:{symbol}"
    assert (len(depth.bids), len(depth.asks)) == (10, 10)
    assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert depth.ts_ms == quote.ts_ms
    assert after == ["quote"] * 5  # the quotes go on, the book does not


@pytest.fixture
async def still_phemex():
    """A market that moves only when a test steps it: two connections see the same moments."""
    async with Simulator(["phemex"], step_interval_s=3600, seed=5) as simulator:
        yield simulator


async def _phemex_reply(ws: aiohttp.ClientWebSocketResponse, request_id: int) -> dict:
    while "result" not in (body := json.loads((await ws.receive(timeout=5)).data)) or body["id"] != request_id:
        pass
    return body


@pytest.mark.parametrize("symbol", ["BTCUSDT", "BTCUSD"])  # USDⓈ-M, COIN-M
async def test_phemex_serves_ten_levels_whose_top_is_the_one_level_quote_book_and_drops_them_on_unsubscribe(
    still_phemex, symbol
):
    connector = get_connector("phemex")
    sim = still_phemex
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim, "phemex", "/public/products")
        quotes_ws = await http.ws_connect(sim.endpoints["phemex"].ws_url)
        depth_ws = await http.ws_connect(sim.endpoints["phemex"].ws_url)
        [quote_subscribe] = connector.subscribe_messages([symbol])
        [depth_subscribe] = connector.depth_subscribe_messages([symbol])
        await quotes_ws.send_str(quote_subscribe)
        await depth_ws.send_str(depth_subscribe)
        assert (await _phemex_reply(quotes_ws, 1))["result"] == {"status": "success"}
        assert (await _phemex_reply(depth_ws, 1))["result"] == {"status": "success"}
        state: dict = {}
        tops = []
        for _ in range(3):  # the snapshots, then two steps' increments
            [quote] = parse_frame("phemex", (await quotes_ws.receive(timeout=5)).data, instruments, state)
            depth_frame = (await depth_ws.receive(timeout=5)).data
            [depth] = parse_depth("phemex", depth_frame, instruments, state)
            tops.append((quote, depth, json.loads(depth_frame)["type"]))
            sim.market.step(now_ms=quote.ts_ms + 100)
        [unsubscribe] = connector.depth_unsubscribe_messages([symbol])
        await depth_ws.send_str(unsubscribe)
        assert (await _phemex_reply(depth_ws, 1))["result"] == {"status": "success"}
        await depth_ws.send_str(connector.heartbeat_message())
        sim.market.step(now_ms=tops[-1][0].ts_ms + 200)
        after_quote = parse_frame("phemex", (await quotes_ws.receive(timeout=5)).data, instruments, state)
        # A book frame of this step would have come before the pong.
        after_depth = json.loads((await depth_ws.receive(timeout=5)).data)
        await quotes_ws.close()
        await depth_ws.close()
    assert [kind for _, _, kind in tops] == ["snapshot", "incremental", "incremental"]
    for quote, depth, _ in tops:
        assert (len(depth.bids), len(depth.asks)) == (10, 10)
        assert depth.bids[0] == (quote.bid, quote.bid_size) and depth.asks[0] == (quote.ask, quote.ask_size)
    assert len(after_quote) == 1 and after_depth["result"] == "pong"


def test_every_exchange_covers_depth():
    from feeds.exchanges import CONNECTORS

    # A depth connection of its own, or (CoinDCX, test_coindcx_depth.py) its quote connections.
    assert set(DEPTH_EXCHANGES) == {eid for eid, c in CONNECTORS.items() if c.has_depth}
    assert {eid for eid, c in CONNECTORS.items() if c.has_depth or c.depth_in_quote_frames} == set(CONNECTORS)
