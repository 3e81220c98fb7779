"""The simulated Bybit speaks Bybit's protocol (the session's fault drills, and its heartbeat on an idle
connection, are in test_fault_drills.py)."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.rest import fetch_instruments
from feeds.simulator.server import Simulator

INSTRUMENTS_PATH = "/v5/market/instruments-info?category=linear&limit=1000"


@pytest.fixture
async def sim():
    async with Simulator(["bybit"], step_interval_s=0.02, seed=11) as simulator:
        yield simulator


async def _instruments(http: aiohttp.ClientSession, sim: Simulator) -> dict:
    body = await (await http.get(sim.endpoints["bybit"].rest_url + INSTRUMENTS_PATH)).read()
    return {i.symbol: i for i in parse_instruments("bybit", body)}


# --- the protocol, with a raw client ---------------------------------------------------------


async def test_a_client_that_neither_pings_nor_subscribes_is_cut_when_idle(sim):
    sim.exchanges["bybit"].idle_timeout_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        message = await ws.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert ws.closed


async def test_subscribe_is_acked_then_snapshots_stream(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim)
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT"],"req_id":"7"}')
        ack = json.loads((await ws.receive(timeout=5)).data)
        assert ack["success"] is True and ack["op"] == "subscribe" and ack["req_id"] == "7"
        assert parse_frame("bybit", json.dumps(ack), instruments) == []
        [quote] = parse_frame("bybit", (await ws.receive(timeout=5)).data, instruments, {})
        assert quote.symbol == "BTCUSDT"
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSDT"]}')
        while (body := json.loads((await ws.receive(timeout=5)).data)).get("op") != "subscribe":
            pass
        assert body["success"] is False and "already subscribed" in body["ret_msg"]
        await ws.close()


async def test_unknown_topic_is_refused_with_the_topic_in_ret_msg(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.NOPEUSDT"],"req_id":"3"}')
        frame = (await ws.receive(timeout=5)).data
        assert json.loads(frame)["ret_msg"] == "error:handler not found,topic:orderbook.1.NOPEUSDT"
        with pytest.raises(FrameError, match="NOPEUSDT"):
            parse_frame("bybit", frame, {})
        await ws.send_str("not json")
        assert json.loads((await ws.receive(timeout=5)).data)["success"] is False


async def test_ping_gets_bybits_pong_late_when_pongs_are_delayed(sim):
    exchange = sim.exchanges["bybit"]
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        await ws.send_str('{"op":"ping","req_id":"100001"}')
        pong = json.loads((await ws.receive(timeout=5)).data)
        assert (pong["ret_msg"], pong["op"], pong["req_id"]) == ("pong", "ping", "100001")
        exchange.faults.delay_pong_s = 0.25
        sent = time.monotonic()
        await ws.send_str('{"op":"ping"}')
        await ws.receive(timeout=5)
        assert time.monotonic() - sent >= 0.25


async def test_instrument_pages_follow_the_cursor_and_parse_on_their_own(sim):
    rest = sim.endpoints["bybit"].rest_url
    listed: list[str] = []
    cursor = ""
    async with aiohttp.ClientSession() as http:
        for _ in range(10):
            url = f"{rest}/v5/market/instruments-info?category=linear&limit=3" + (f"&cursor={cursor}" if cursor else "")
            body = await (await http.get(url)).json()
            listed += [i.symbol for i in parse_instruments("bybit", json.dumps(body))]
            cursor = body["result"]["nextPageCursor"]
            if not cursor:
                break
        full = await _instruments(http, sim)
        prelaunch = await (await http.get(f"{rest}/v5/market/instruments-info?category=linear&status=PreLaunch")).read()
        refused = await (await http.get(f"{rest}/v5/market/instruments-info?category=spotty")).read()
    coins = ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "LINK")
    expected = {f"{coin}USDT" for coin in coins} | {"BTCPERP", "ETHPERP"}
    assert sorted(listed) == sorted(expected) == sorted(full)  # no future, no stock perp
    assert parse_instruments("bybit", prelaunch) == []
    with pytest.raises(FrameError, match="Illegal category"):
        parse_instruments("bybit", refused)


async def test_instrument_list_is_followed_across_cursor_pages(monkeypatch):
    from feeds.exchanges import get_connector

    async with Simulator(["bybit"], step_interval_s=0.05) as sim:
        whole = await fetch_instruments("bybit", sim.endpoints["bybit"].rest_url)
        connector = get_connector("bybit")
        paths = tuple(path.replace("limit=1000", "limit=2") for path in connector.instruments_paths)
        monkeypatch.setattr(type(connector), "instruments_paths", paths)  # both families, paged
        paged = await fetch_instruments("bybit", sim.endpoints["bybit"].rest_url)
    assert len(whole) > 2
    assert sorted(i.symbol for i in paged) == sorted(i.symbol for i in whole)


# --- the inverse family: its own list and socket -------------------------------------------------

INVERSE_PATH = "/v5/market/instruments-info?category=inverse&limit=1000"


def _inverse_ws_url(sim: Simulator) -> str:
    return sim.endpoints["bybit"].ws_url.removesuffix("/v5/public/linear") + "/v5/public/inverse"


async def test_inverse_list_has_the_perpetuals_the_connector_keeps_and_a_dated_future_it_leaves_out(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["bybit"].rest_url + INVERSE_PATH)).read()
    decoded = json.loads(body)
    assert decoded["result"]["category"] == "inverse"
    listed = {row["symbol"]: row for row in decoded["result"]["list"]}
    assert listed["BTCUSDH26"]["contractType"] == "InverseFutures"
    assert (listed["BTCUSD"]["settleCoin"], listed["BTCUSD"]["lotSizeFilter"]["qtyStep"]) == ("BTC", "1")
    kept = {i.symbol: i for i in parse_instruments("bybit", body)}
    assert set(kept) == {"BTCUSD", "ETHUSD", "XRPUSD", "SOLUSD", "ADAUSD"}
    assert all(not i.linear and i.settle == i.base for i in kept.values())


async def test_inverse_socket_quotes_the_coins_usd_price_in_usd_contracts():
    # The market stands still (one step a minute), so the book sent is the market's book.
    async with Simulator(["bybit"], step_interval_s=60, seed=11) as sim, aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["bybit"].rest_url + INVERSE_PATH)).read()
        inverse = {i.symbol: i for i in parse_instruments("bybit", body)}
        ws = await http.ws_connect(_inverse_ws_url(sim))
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSD","orderbook.1.BTCUSDT"],"req_id":"1"}')
        refusal = json.loads((await ws.receive(timeout=5)).data)
        snapshot = (await ws.receive(timeout=5)).data
        await ws.close()
        book = sim.market.book("bybit", "BTC")
    # Linear topics are unknown on the inverse socket, as on Bybit's.
    assert refusal["success"] is False and "orderbook.1.BTCUSDT" in refusal["ret_msg"]
    assert json.loads(snapshot)["data"]["b"] == [[str(book.bid), str(int(book.bid_size * float(book.bid)))]]
    [quote] = parse_frame("bybit", snapshot, inverse, {})
    assert (quote.instrument, quote.bid, quote.ask) == ("BTC/USD:BTC", book.bid, book.ask)
    assert quote.bid_size == quote.bid_contracts / book.bid
    assert abs(float(quote.bid_size) - book.bid_size) * float(book.bid) < 1  # less than a contract off


async def test_inverse_symbols_are_unknown_on_the_linear_socket(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bybit"].ws_url)
        await ws.send_str('{"op":"subscribe","args":["orderbook.1.BTCUSD"],"req_id":"1"}')
        refusal = json.loads((await ws.receive(timeout=5)).data)
        await ws.close()
    assert refusal["success"] is False and "orderbook.1.BTCUSD" in refusal["ret_msg"]


async def test_inverse_funding_is_served_per_category(sim):
    async with aiohttp.ClientSession() as http:
        url = sim.endpoints["bybit"].rest_url + "/v5/market/tickers?category=inverse"
        body = json.loads(await (await http.get(url)).read())
    rows = {row["symbol"]: row for row in body["result"]["list"]}
    assert rows["BTCUSD"]["fundingIntervalHour"] in ("1", "2", "4", "8")
    assert rows["BTCUSDH26"]["fundingRate"] == ""


# --- the real session on the inverse socket --------------------------------------------------------


async def test_a_session_on_the_inverse_family_streams_btcusd_in_base_units(sim, start_session):
    session, quotes = await start_session(sim, watched=("BTCUSD", "ETHUSD"))
    assert session.endpoints.ws_url == _inverse_ws_url(sim)
    btc, eth = await quotes.first_of("BTCUSD", "ETHUSD", timeout_s=10)
    assert (btc.instrument, eth.instrument) == ("BTC/USD:BTC", "ETH/USD:ETH")
    assert btc.bid_size == btc.bid_contracts / btc.bid and btc.ask_size == btc.ask_contracts / btc.ask
    start = sim.market.coins["BTC"].start_price
    assert btc.bid < btc.ask and abs(btc.bid - start) < start / 10  # the BTC price in USD
    # The stream goes on past the snapshot of each subscription: a market step moves BTC.
    later = await quotes.first_of("BTCUSD", after_ns=btc.recv_ns, timeout_s=5)
    assert later[0].recv_ns > btc.recv_ns
    assert session.status.frame_errors == 0
