"""The simulated Binance and Bybit serve their depth streams in the exchanges' formats, with the
same top of book as their quote streams, and a depth session hands on depth records from both."""

from __future__ import annotations

import json

import aiohttp
import pytest

from feeds.exchanges import parse_depth, parse_frame, parse_instruments
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector


@pytest.fixture
async def sim():
    async with Simulator(["binance", "bybit"], step_interval_s=0.02, seed=5) as simulator:
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


@pytest.mark.parametrize("exchange_id", ["binance", "bybit"])
async def test_a_depth_session_hands_on_depth_records(sim, start_session, exchange_id):
    depths = Collector()
    session, quotes = await start_session(sim, exchange_id, watched=["BTCUSDT"], on_depth=depths)
    depth = await depths.next()
    assert (depth.exchange, depth.instrument, len(depth.bids), len(depth.asks)) == (
        exchange_id,
        "BTC/USDT:USDT",
        10,
        10,
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
