"""The simulated exchanges serve their depth streams in the exchanges' formats, with the same top
of book as their quote streams, stop them on unsubscribe, and a depth session hands on depth
records from each."""

from __future__ import annotations

import json

import aiohttp
import pytest

from feeds.exchanges import get_connector, parse_depth, parse_frame, parse_instruments
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector


@pytest.fixture
async def sim():
    async with Simulator(
        ["binance", "bybit", "deribit", "bitmex", "phemex"], step_interval_s=0.02, seed=5
    ) as simulator:
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


@pytest.mark.parametrize(
    ("exchange_id", "symbol", "instrument"),
    [
        ("binance", "BTCUSDT", "BTC/USDT:USDT"),
        ("bybit", "BTCUSDT", "BTC/USDT:USDT"),
        ("deribit", "BTC-PERPETUAL", "BTC/USD:BTC"),
        ("bitmex", "XBTUSD", "BTC/USD:BTC"),
        ("phemex", "BTCUSDT", "BTC/USDT:USDT"),
    ],
)
async def test_a_depth_session_hands_on_depth_records(sim, start_session, exchange_id, symbol, instrument):
    depths = Collector()
    session, quotes = await start_session(sim, exchange_id, watched=[symbol], on_depth=depths)
    depth = await depths.next()
    assert (depth.exchange, depth.instrument, len(depth.bids), len(depth.asks)) == (exchange_id, instrument, 10, 10)
    assert quotes.count == 0  # a depth connection carries no quotes
    assert session.status.frame_errors == 0


def test_a_coin_worth_few_ticks_has_no_bid_at_or_below_zero():
    from decimal import Decimal

    from feeds.simulator.market import Coin, Market

    market = Market(["bybit"], coins=(Coin("TINY", Decimal("0.0005"), Decimal("0.0001"), 10.0),), seed=1)
    bids, asks = market.depth("bybit", "TINY", 50)
    assert len(asks) == 50 and 0 < len(bids) < 50
    assert all(price > 0 for price, _ in bids)


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
