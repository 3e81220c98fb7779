"""The simulated Phemex speaks Phemex's protocol, and the real ExchangeSession lives on it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator

HEARTBEAT_TIMEOUT_S = 0.4  # the simulator's stand-in for DataGW's 30 s


@pytest.fixture
async def sim():
    async with Simulator(["phemex"], step_interval_s=0.02, seed=7) as sim:
        sim.exchanges["phemex"].client_heartbeat_timeout_s = HEARTBEAT_TIMEOUT_S
        yield sim


@pytest.fixture
def start(sim, start_session):
    """A session on BTCUSDT (USDⓈ-M) and BTCUSD (COIN-M), pinging at Phemex's 5 s against 30 s, scaled down."""
    return lambda: start_session(sim, watched=("BTCUSDT", "BTCUSD"), heartbeat_interval_s=HEARTBEAT_TIMEOUT_S / 4)


async def _raw(http: aiohttp.ClientSession, sim: Simulator) -> aiohttp.ClientWebSocketResponse:
    return await http.ws_connect(sim.endpoints["phemex"].ws_url)


async def _reply(ws: aiohttp.ClientWebSocketResponse, request_id: int) -> dict:
    """The reply to one request, skipping book frames."""
    async with asyncio.timeout(5):
        while True:
            body = json.loads((await ws.receive()).data)
            if body.get("id") == request_id:
                return body


async def test_a_client_that_does_not_ping_is_dropped(sim):
    async with aiohttp.ClientSession() as http:
        ws = await _raw(http, sim)
        await ws.send_str('{"id":1,"method":"orderbook_p.subscribe","params":["BTCUSDT",false,1]}')
        opened = time.monotonic()
        async with asyncio.timeout(5):
            while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass
        assert time.monotonic() - opened >= HEARTBEAT_TIMEOUT_S * 0.9


async def test_the_session_stays_connected_across_heartbeat_timeouts(sim, start):
    session, quotes = await start()
    first = await quotes.next()
    # Wait, on quotes rather than a sleep, until several heartbeat timeouts have passed.
    later = first.recv_ns + int(5 * HEARTBEAT_TIMEOUT_S * 1e9)
    assert (await quotes.next_after(later)).exchange == "phemex"
    assert sim.exchanges["phemex"].connections_total == 1
    assert session.status.reconnects == 0


async def test_a_ping_is_answered_with_a_pong_late_when_delayed(sim, start):
    phemex = sim.exchanges["phemex"]
    phemex.faults.delay_pong_s = 0.2
    async with aiohttp.ClientSession() as http:
        ws = await _raw(http, sim)
        sent = time.monotonic()
        await ws.send_str('{"id":0,"method":"server.ping","params":[]}')
        assert await _reply(ws, 0) == {"error": None, "id": 0, "result": "pong"}
        assert time.monotonic() - sent >= 0.2
        await ws.close()
    # A pong 0.2 s late is well inside the session's deadline (10 s): the connection stays.
    session, quotes = await start()
    first = await quotes.next()
    assert (await quotes.next_after(first.recv_ns + int(3 * HEARTBEAT_TIMEOUT_S * 1e9))).exchange == "phemex"
    assert phemex.connections_total == 2  # the raw client's and the session's, nothing more
    assert session.status.reconnects == 0


async def test_subscribe_is_acked_then_a_snapshot_and_increments_follow(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["phemex"].rest_url + "/public/products")).read()
        instruments = {i.symbol: i for i in parse_instruments("phemex", body)}
        assert {"BTCUSDT", "ETHUSDT", "BTCUSD", "cETHUSD"} <= set(instruments)
        assert not {"LUNAUSDT", "NEWUSDT", "XRPUSD", "sBTCUSDT"} & set(instruments)
        ws = await _raw(http, sim)
        await ws.send_str('{"id":7,"method":"orderbook.subscribe","params":["cETHUSD",false,1]}')
        assert json.loads((await ws.receive(timeout=5)).data) == {
            "error": None,
            "id": 7,
            "result": {"status": "success"},
        }
        state: dict = {}
        snapshot = (await ws.receive(timeout=5)).data
        assert json.loads(snapshot)["type"] == "snapshot"
        [quote] = parse_frame("phemex", snapshot, instruments, state)
        assert quote.instrument == "ETH/USD:ETH"
        incremental = (await ws.receive(timeout=5)).data
        assert json.loads(incremental)["type"] == "incremental"
        assert parse_frame("phemex", incremental, instruments, state)[0].symbol == "cETHUSD"
        await ws.close()


@pytest.mark.parametrize(
    "request_text",
    [
        '{"id":3,"method":"orderbook_p.subscribe","params":["NOPEUSDT",false,1]}',
        '{"id":3,"method":"orderbook_p.subscribe","params":["BTCUSD",false,1]}',  # the other family
        '{"id":3,"method":"orderbook_x.subscribe","params":[]}',
    ],
)
async def test_bad_requests_get_the_error_frame(sim, request_text):
    async with aiohttp.ClientSession() as http:
        ws = await _raw(http, sim)
        await ws.send_str(request_text)
        assert await _reply(ws, 3) == {"error": {"code": 6001, "message": "invalid argument"}, "id": 3, "result": None}


async def test_unsubscribe_is_acked_and_ends_the_book_frames(sim):
    async with aiohttp.ClientSession() as http:
        ws = await _raw(http, sim)
        await ws.send_str('{"id":1,"method":"orderbook_p.subscribe","params":["BTCUSDT",false,1]}')
        await _reply(ws, 1)
        await ws.send_str('{"id":2,"method":"orderbook_p.unsubscribe","params":[]}')
        assert await _reply(ws, 2) == {"error": None, "id": 2, "result": {"status": "success"}}
        await ws.send_str('{"id":3,"method":"server.ping","params":[]}')
        await _reply(ws, 3)
        # After the pong, which followed the unsubscribe, nothing more arrives for a few steps.
        await sim.market.next_step()
        await sim.market.next_step()
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.1)
