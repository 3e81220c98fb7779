"""The simulated KuCoin Futures speaks KuCoin's protocol, and the real ExchangeSession copes with it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator

WATCHED = ("XBTUSDTM", "XBTUSDM")  # one linear, one inverse
TICKER_TOPIC = "/contractMarket/tickerV2:"


@pytest.fixture
async def sim():
    async with Simulator(["kucoin"], step_interval_s=0.02, seed=7) as simulator:
        yield simulator


@pytest.fixture
async def pinging_sim():
    """Announces a 0.1 s pingInterval and drops a client silent for 0.5 s."""
    async with Simulator(["kucoin"], step_interval_s=0.02, seed=7, server_ping_interval_s=0.1) as simulator:
        simulator.exchanges["kucoin"].ping_timeout_s = 0.4
        yield simulator


async def _token_url(http: aiohttp.ClientSession, sim: Simulator) -> tuple[str, dict]:
    async with http.post(sim.endpoints["kucoin"].rest_url + "/api/v1/bullet-public") as response:
        body = await response.json()
    server = body["data"]["instanceServers"][0]
    return f"{server['endpoint']}?token={body['data']['token']}&connectId=test-1", server


async def _connect(http: aiohttp.ClientSession, sim: Simulator) -> aiohttp.ClientWebSocketResponse:
    url, _ = await _token_url(http, sim)
    ws = await http.ws_connect(url)
    assert json.loads((await ws.receive(timeout=5)).data) == {"id": "test-1", "type": "welcome"}
    return ws


async def _next_json(ws: aiohttp.ClientWebSocketResponse) -> dict:
    return json.loads((await ws.receive(timeout=5)).data)


async def test_contract_list_has_the_real_shape_and_entries_to_filter_out(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["kucoin"].rest_url + "/api/v1/contracts/active")).read()
    listed = json.loads(body)["data"]
    assert {"XBTMH26", "NEWUSDTM"} <= {c["symbol"] for c in listed}
    instruments = {i.symbol: i.instrument for i in parse_instruments("kucoin", body)}
    assert instruments["XBTUSDTM"] == "BTC/USDT:USDT"
    assert instruments["XBTUSDCM"] == "BTC/USDC:USDC"
    assert instruments["XBTUSDM"] == "BTC/USD:BTC"
    assert instruments["ETHUSDM"] == "ETH/USD:ETH"
    assert "XBTMH26" not in instruments and "NEWUSDTM" not in instruments


async def test_token_names_the_simulators_own_socket_and_ping_interval(sim):
    async with aiohttp.ClientSession() as http:
        url, server = await _token_url(http, sim)
    assert url.startswith(sim.endpoints["kucoin"].ws_url + "?token=")
    assert (server["pingInterval"], server["pingTimeout"]) == (18000, 10000)


async def test_a_socket_without_a_valid_token_is_refused(sim):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(sim.endpoints["kucoin"].ws_url + "?token=forged&connectId=1")
    assert refused.value.status == 401


async def test_subscribe_is_acked_and_unknown_symbols_stay_silent(sim):
    async with aiohttp.ClientSession() as http:
        listed = await (await http.get(sim.endpoints["kucoin"].rest_url + "/api/v1/contracts/active")).read()
        instruments = {i.symbol: i for i in parse_instruments("kucoin", listed)}
        ws = await _connect(http, sim)
        topic = TICKER_TOPIC + "XBTUSDTM,NOPEUSDTM"
        await ws.send_str(json.dumps({"id": "7", "type": "subscribe", "topic": topic, "response": True}))
        assert await _next_json(ws) == {"id": "7", "type": "ack"}
        for _ in range(5):
            [quote] = parse_frame("kucoin", (await ws.receive(timeout=5)).data, instruments)
            assert quote.symbol == "XBTUSDTM"
            assert quote.bid < quote.ask
        await ws.close()


@pytest.mark.parametrize(
    ("request_text", "code"),
    [
        ('{"id":"1","type":"subscribe","topic":"/contractMarket/tickerV9:XBTUSDTM","response":true}', 404),
        ("}{ not json", 400),
        (json.dumps({"id": "2", "type": "subscribe", "topic": TICKER_TOPIC + ",".join(["S"] * 101)}), 509),
    ],
)
async def test_bad_requests_get_kucoin_error_frames(sim, request_text, code):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, sim)
        await ws.send_str(request_text)
        error = await _next_json(ws)
        assert (error["type"], error["code"]) == ("error", code)
        await ws.close()


async def test_ping_is_answered_with_pong_and_microsecond_timestamp(sim):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, sim)
        await ws.send_str('{"id":"42","type":"ping"}')
        pong = await _next_json(ws)
        assert (pong["id"], pong["type"]) == ("42", "pong")
        assert abs(pong["timestamp"] - time.time_ns() // 1000) < 5_000_000


async def test_a_client_that_does_not_ping_is_dropped(pinging_sim):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, pinging_sim)
        await ws.send_str('{"id":"1","type":"subscribe","topic":"/contractMarket/tickerV2:XBTUSDTM"}')
        closing = {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
        while (await ws.receive(timeout=5)).type not in closing:
            pass
        assert ws.closed


async def test_linear_and_inverse_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=WATCHED)
    linear, inverse = await quotes.first_of(*WATCHED)
    lot = sim.exchanges["kucoin"].contracts["XBTUSDTM"].multiplier
    assert linear.bid_size == linear.bid_contracts * lot
    # The same market book through both contract kinds: sizes in BTC of the same order.
    assert 0 < inverse.bid_size < 10


async def test_every_connection_asks_for_a_fresh_token(sim, start_session):
    kucoin = sim.exchanges["kucoin"]
    _, quotes = await start_session(sim, watched=WATCHED)
    await quotes.next()
    kucoin.drop_connections()
    await kucoin.wait_for_connections(2, timeout_s=5)
    assert len(kucoin._tokens) == 2


async def test_session_pings_at_the_tokens_interval_and_stays_connected(pinging_sim, start_session):
    kucoin = pinging_sim.exchanges["kucoin"]
    session, quotes = await start_session(pinging_sim, watched=WATCHED)
    await kucoin.wait_for_pings(8, timeout_s=5)  # several 0.1 s ping intervals, well past the 0.5 s cut-off
    assert kucoin.connections_total == 1
    assert session.status.reconnects == 0
    assert (await quotes.next_after(time.time_ns())).exchange == "kucoin"


async def test_late_pongs_within_the_announced_timeout_do_not_cost_the_connection(pinging_sim, start_session):
    kucoin = pinging_sim.exchanges["kucoin"]
    kucoin.faults.delay_pong_s = 0.2  # the token's pingTimeout is 0.4 s
    session, quotes = await start_session(pinging_sim, watched=WATCHED)
    await kucoin.wait_for_pings(6, timeout_s=5)
    assert kucoin.pongs_sent < kucoin.pings_received  # the last pongs are still on their way
    assert kucoin.connections_total == 1
    assert session.status.reconnects == 0
    assert (await quotes.next_after(time.time_ns())).exchange == "kucoin"


async def test_a_pong_later_than_the_announced_timeout_replaces_the_connection(pinging_sim, start_session):
    kucoin = pinging_sim.exchanges["kucoin"]
    session, quotes = await start_session(pinging_sim, watched=WATCHED)
    await quotes.next()
    kucoin.faults.delay_pong_s = 2.0
    await kucoin.wait_for_connections(2, timeout_s=5)
    assert session.status.last_error == "no pong within 0.4 s of a ping"  # the token's pingTimeout
    assert session.status.heartbeat_timeouts == 1
