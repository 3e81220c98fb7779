"""The simulated Gate.io speaks Gate's futures WebSocket protocol, and the real ExchangeSession
answers its pings (the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator
from lib import clock

SIZE_DECIMAL = {"X-Gate-Size-Decimal": "1"}


@pytest.fixture
async def sim():
    async with Simulator(["gateio"], step_interval_s=0.02, seed=5) as simulator:
        yield simulator


@pytest.fixture
async def pinging_sim():
    """Pings every 0.3 s and drops a client that does not answer."""
    async with Simulator(["gateio"], step_interval_s=0.02, server_ping_interval_s=0.3) as simulator:
        yield simulator


async def _request(ws: aiohttp.ClientWebSocketResponse, channel: str, event: str = "", payload=None, **extra) -> dict:
    await ws.send_str(
        json.dumps({"time": int(time.time()), "channel": channel, "event": event, "payload": payload or [], **extra})
    )
    return json.loads((await ws.receive(timeout=5)).data)


async def _next_update(ws: aiohttp.ClientWebSocketResponse) -> dict:
    async with asyncio.timeout(5):
        while True:
            body = json.loads((await ws.receive()).data)
            if body.get("event") == "update":
                return body


async def test_contract_list_has_what_the_connector_keeps_and_what_it_leaves_out(sim):
    async with aiohttp.ClientSession() as http:
        response = await http.get(sim.endpoints["gateio"].rest_url + "/api/v4/futures/usdt/contracts")
        body = await response.read()
    listed = {row["name"] for row in json.loads(body)}
    kept = {i.symbol: i for i in parse_instruments("gateio", body)}
    assert {"AAPLX_USDT", "OLD_USDT", "NEW_USDT"} <= listed - set(kept)
    assert len(kept) == 8
    assert kept["BTC_USDT"].contract_size == Decimal("0.0001")


async def test_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=("BTC_USDT",))
    [btc] = await quotes.first_of("BTC_USDT")
    assert btc.bid_size == btc.bid_contracts * Decimal("0.0001")


async def test_a_client_that_does_not_answer_pings_is_dropped():
    async with (
        Simulator(["gateio"], step_interval_s=0.05, server_ping_interval_s=0.2) as sim,
        aiohttp.ClientSession() as http,
    ):
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url, autoping=False)
        async with asyncio.timeout(5):
            while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass
        assert ws.closed


async def test_the_session_answers_pings_and_stays_connected(pinging_sim, start_session):
    session, quotes = await start_session(pinging_sim)
    await quotes.next()
    until = time.monotonic() + 1.5  # five ping intervals
    while time.monotonic() < until:
        await quotes.next()
    assert pinging_sim.exchanges["gateio"].connections_total == 1
    assert session.status.reconnects == 0


async def test_futures_ping_is_answered_with_futures_pong_late_when_told(sim):
    gateio = sim.exchanges["gateio"]
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url)
        assert (await _request(ws, "futures.ping"))["channel"] == "futures.pong"
        gateio.faults.delay_pong_s = 0.3
        sent = time.monotonic()
        pong = await _request(ws, "futures.ping")
        assert (pong["channel"], pong["result"]) == ("futures.pong", None)
        assert time.monotonic() - sent >= 0.3
        await ws.close()


@pytest.mark.parametrize(("headers", "size_type"), [(SIZE_DECIMAL, str), ({}, int)])
async def test_sizes_are_decimal_strings_only_with_the_size_decimal_header(sim, headers, size_type):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url, headers=headers)
        ack = await _request(ws, "futures.book_ticker", "subscribe", ["SOL_USDT"], id=7)
        assert (ack["id"], ack["result"], "error" in ack) == (7, {"status": "success"}, False)
        update = await _next_update(ws)
        assert update["result"]["s"] == "SOL_USDT"
        assert isinstance(update["result"]["B"], size_type)
        assert isinstance(update["result"]["A"], size_type)
        await ws.close()


async def test_one_unknown_contract_fails_the_whole_subscribe(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url, headers=SIZE_DECIMAL)
        reply = await _request(ws, "futures.book_ticker", "subscribe", ["BTC_USDT", "NOPE_USDT"], id=2)
        assert reply["error"] == {"code": 2, "message": "unknown contract NOPE_USDT"}
        assert reply["result"] == {"status": "fail"}
        # Nothing was subscribed: the next frame is the answer to the next request, no update.
        assert (await _request(ws, "futures.ping"))["channel"] == "futures.pong"
        await ws.close()


async def test_update_ids_rise_per_contract(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["gateio"].ws_url, headers=SIZE_DECIMAL)
        await _request(ws, "futures.book_ticker", "subscribe", ["BTC_USDT"])
        first, second = (await _next_update(ws))["result"], (await _next_update(ws))["result"]
        assert second["u"] > first["u"]
        await ws.close()


# --- BTC-settled: its own list and socket ------------------------------------------------------------

BTC_CONTRACTS_PATH = "/api/v4/futures/btc/contracts"


def _btc_ws_url(sim: Simulator) -> str:
    return sim.endpoints["gateio"].ws_url.removesuffix("/v4/ws/usdt") + "/v4/ws/btc"


async def test_btc_settled_list_has_btc_usd_inverse_and_a_quanto_contract_left_out(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["gateio"].rest_url + BTC_CONTRACTS_PATH)).read()
    rows = {row["name"]: row for row in json.loads(body)}
    assert (rows["BTC_USD"]["type"], rows["BTC_USD"]["quanto_multiplier"]) == ("inverse", "0")
    assert rows["ETH_USD"]["type"] == "direct"
    [btc] = parse_instruments("gateio", body)
    assert (btc.symbol, btc.instrument, btc.linear, btc.contract_size) == ("BTC_USD", "BTC/USD:BTC", False, 1)


async def test_btc_socket_quotes_the_btc_price_in_usd_contracts():
    # The market stands still (one step a minute), so the book sent is the market's book.
    async with Simulator(["gateio"], step_interval_s=60, seed=5) as sim, aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["gateio"].rest_url + BTC_CONTRACTS_PATH)).read()
        btc_settled = {i.symbol: i for i in parse_instruments("gateio", body)}
        ws = await http.ws_connect(_btc_ws_url(sim), headers=SIZE_DECIMAL)
        # USDT contracts are unknown here: the whole request fails, as on Gate.
        refused = await _request(ws, "futures.book_ticker", "subscribe", ["BTC_USD", "BTC_USDT"], id=1)
        ack = await _request(ws, "futures.book_ticker", "subscribe", ["BTC_USD"], id=2)
        sim.market.step(now_ms=clock.now_ms())  # the one step this test sees: its books are sent
        frame = await ws.receive(timeout=5)
        await ws.close()
        book = sim.market.book("gateio", "BTC")
    assert refused["error"]["code"] == 2
    assert ack["result"] == {"status": "success"}
    result = json.loads(frame.data)["result"]
    usd_contracts = str(int(book.bid_size * float(book.bid)))
    assert (result["s"], result["b"], result["B"]) == ("BTC_USD", str(book.bid), usd_contracts)
    [quote] = parse_frame("gateio", frame.data, btc_settled, {})
    assert (quote.instrument, quote.bid, quote.ask) == ("BTC/USD:BTC", book.bid, book.ask)
    assert quote.ask_size == quote.ask_contracts / book.ask


async def test_a_session_on_the_btc_settled_family_streams_btc_usd_in_base_units(sim, start_session):
    session, quotes = await start_session(sim, watched=("BTC_USD",))
    assert session.endpoints.ws_url == _btc_ws_url(sim)
    quote = await quotes.next(timeout_s=10)
    assert (quote.symbol, quote.instrument) == ("BTC_USD", "BTC/USD:BTC")
    assert quote.bid_size == quote.bid_contracts / quote.bid and quote.ask_size == quote.ask_contracts / quote.ask
    start = sim.market.coins["BTC"].start_price
    assert quote.bid < quote.ask and abs(quote.bid - start) < start / 10  # the BTC price in USD
    # The stream goes on: each market step moves BTC.
    assert (await quotes.next_after(quote.recv_ns)).symbol == "BTC_USD"
    assert session.status.frame_errors == 0
