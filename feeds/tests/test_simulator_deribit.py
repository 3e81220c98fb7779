"""The simulated Deribit speaks Deribit's JSON-RPC, and the real ExchangeSession copes with it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator

WATCHED = ("BTC-PERPETUAL", "BTC_USDC-PERPETUAL")  # one inverse, one linear
INSTRUMENTS_PATH = "/api/v2/public/get_instruments"
CLOSING = {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}


@pytest.fixture
async def sim():
    async with Simulator(["deribit"], step_interval_s=0.02, seed=7) as simulator:
        yield simulator


@pytest.fixture
async def heartbeat_sim():
    """Sends heartbeats and test_requests every 0.1 s, whatever interval the client asks for."""
    async with Simulator(["deribit"], step_interval_s=0.02, seed=7, server_ping_interval_s=0.1) as simulator:
        yield simulator


async def _rpc(ws: aiohttp.ClientWebSocketResponse, request_id: int, method: str, params: dict) -> dict:
    """Send one request; the reply with its id (notifications in between are skipped)."""
    await ws.send_str(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
    while True:
        body = json.loads((await ws.receive(timeout=5)).data)
        if body.get("id") == request_id:
            return body


async def test_instrument_list_has_the_real_shape_and_entries_to_filter_out(sim):
    async with aiohttp.ClientSession() as http:
        url = sim.endpoints["deribit"].rest_url + INSTRUMENTS_PATH + "?currency=any&kind=future"
        body = await (await http.get(url)).read()
    listed = json.loads(body)["result"]
    assert {"BTC-27MAR26", "OLD-PERPETUAL"} <= {i["instrument_name"] for i in listed}
    instruments = {i.symbol: i.instrument for i in parse_instruments("deribit", body)}
    assert instruments["BTC-PERPETUAL"] == "BTC/USD:BTC"
    assert instruments["ETH-PERPETUAL"] == "ETH/USD:ETH"
    assert instruments["BTC_USDC-PERPETUAL"] == "BTC/USDC:USDC"
    assert instruments["ETH_USDC-PERPETUAL"] == "ETH/USDC:USDC"
    assert "BTC-27MAR26" not in instruments and "OLD-PERPETUAL" not in instruments


async def test_instrument_list_needs_a_currency(sim):
    async with aiohttp.ClientSession() as http:
        response = await http.get(sim.endpoints["deribit"].rest_url + INSTRUMENTS_PATH + "?kind=future")
        body = await response.json()
    assert response.status == 400
    assert body["error"]["code"] == -32602
    assert body["error"]["data"]["param"] == "currency"


async def test_subscribe_result_lists_only_the_channels_it_subscribed(sim):
    async with aiohttp.ClientSession() as http:
        url = sim.endpoints["deribit"].rest_url + INSTRUMENTS_PATH + "?currency=any&kind=future"
        instruments = {i.symbol: i for i in parse_instruments("deribit", await (await http.get(url)).read())}
        ws = await http.ws_connect(sim.endpoints["deribit"].ws_url)
        reply = await _rpc(ws, 3, "public/subscribe", {"channels": ["quote.BTC-PERPETUAL", "quote.NOPE-PERPETUAL"]})
        assert reply["result"] == ["quote.BTC-PERPETUAL"]
        assert {"usIn", "usOut", "usDiff", "testnet"} <= set(reply)
        for _ in range(5):
            [quote] = parse_frame("deribit", (await ws.receive(timeout=5)).data, instruments)
            assert quote.symbol == "BTC-PERPETUAL"
            assert quote.bid < quote.ask
            assert quote.bid_contracts % 10 == 0  # whole 10 USD contracts
        await ws.close()


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("public/subscribe", {"channels": "quote.BTC-PERPETUAL"}, -32602),
        ("public/set_heartbeat", {"interval": 5}, -32602),
        ("public/no_such_method", {}, -32601),
    ],
)
async def test_bad_requests_get_json_rpc_errors(sim, method, params, code):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["deribit"].ws_url)
        reply = await _rpc(ws, 4, method, params)
        assert reply["error"]["code"] == code
        await ws.close()


async def test_unparseable_request_gets_a_parse_error(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["deribit"].ws_url)
        await ws.send_str("}{ not json")
        reply = json.loads((await ws.receive(timeout=5)).data)
        assert (reply["id"], reply["error"]["code"]) == (None, -32700)
        await ws.close()


async def test_a_client_that_ignores_test_requests_is_dropped(heartbeat_sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(heartbeat_sim.endpoints["deribit"].ws_url)
        assert (await _rpc(ws, 1, "public/set_heartbeat", {"interval": 10}))["result"] == "ok"
        kinds = []
        while (message := await ws.receive(timeout=5)).type not in CLOSING:
            kinds.append(json.loads(message.data)["params"]["type"])
        assert kinds == ["heartbeat", "test_request"]
        assert ws.closed


async def test_inverse_and_linear_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=WATCHED)
    inverse, linear = await quotes.first_of(*WATCHED)
    # The same market book through both kinds of contract: sizes in BTC of the same order.
    assert 0 < inverse.bid_size < 10
    assert linear.bid_size == linear.bid_contracts


async def test_session_answers_test_requests_and_stays_connected(heartbeat_sim, start_session):
    deribit = heartbeat_sim.exchanges["deribit"]
    session, quotes = await start_session(heartbeat_sim, watched=WATCHED)
    await deribit.wait_for_tests(6, timeout_s=5)  # six 0.1 s heartbeat periods, each test_request answered
    assert deribit.connections_total == 1
    assert session.status.reconnects == 0
    assert (await quotes.next_after(time.time_ns())).exchange == "deribit"


async def test_late_test_replies_do_not_cost_the_connection(heartbeat_sim, start_session):
    deribit = heartbeat_sim.exchanges["deribit"]
    deribit.faults.delay_pong_s = 0.25
    session, quotes = await start_session(heartbeat_sim, watched=WATCHED)
    await deribit.wait_for_tests(5, timeout_s=5)
    assert deribit.connections_total == 1
    assert session.status.reconnects == 0
    assert (await quotes.next_after(time.time_ns())).exchange == "deribit"
