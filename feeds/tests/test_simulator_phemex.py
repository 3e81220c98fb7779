"""The simulated Phemex speaks Phemex's protocol, and the real ExchangeSession lives on it."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.rest import fetch_instruments
from feeds.session import ExchangeSession
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector

HEARTBEAT_TIMEOUT_S = 0.4  # the simulator's stand-in for DataGW's 30 s


@pytest.fixture
async def sim():
    async with Simulator(["phemex"], step_interval_s=0.02, seed=7) as sim:
        sim.exchanges["phemex"].client_heartbeat_timeout_s = HEARTBEAT_TIMEOUT_S
        yield sim


@pytest.fixture
def start():
    """A real ExchangeSession on BTCUSDT (USDⓈ-M) and BTCUSD (COIN-M), pinging often enough."""
    tasks = []

    async def start(sim: Simulator, **options) -> tuple[ExchangeSession, Collector]:
        endpoints = sim.endpoints["phemex"]
        listed = await fetch_instruments("phemex", endpoints.rest_url)
        instruments = {i.symbol: i for i in listed if i.symbol in ("BTCUSDT", "BTCUSD")}
        collector = Collector()
        defaults = {"stall_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}
        session = ExchangeSession("phemex", instruments, collector, endpoints=endpoints, **{**defaults, **options})
        session.heartbeat_interval_s = HEARTBEAT_TIMEOUT_S / 4  # Phemex's 5 s against 30 s, scaled down
        tasks.append(asyncio.create_task(session.run()))
        return session, collector

    yield start
    for task in tasks:
        task.cancel()


async def _raw(http: aiohttp.ClientSession, sim: Simulator) -> aiohttp.ClientWebSocketResponse:
    return await http.ws_connect(sim.endpoints["phemex"].ws_url)


async def _reply(ws: aiohttp.ClientWebSocketResponse, request_id: int) -> dict:
    """The reply to one request, skipping book frames."""
    async with asyncio.timeout(5):
        while True:
            body = json.loads((await ws.receive()).data)
            if body.get("id") == request_id:
                return body


async def test_session_streams_quotes_for_both_families(sim, start):
    session, quotes = await start(sim)
    seen = {}
    while set(seen) != {"BTCUSDT", "BTCUSD"}:
        quote = await quotes.next()
        seen[quote.symbol] = quote
    assert seen["BTCUSDT"].instrument == "BTC/USDT:USDT"
    assert seen["BTCUSD"].instrument == "BTC/USD:BTC"
    assert all(q.bid < q.ask for q in seen.values())
    assert session.status.state == "connected"


async def test_dropped_connection_reconnects_and_resubscribes(sim, start):
    session, quotes = await start(sim)
    await quotes.next()
    sim.exchanges["phemex"].drop_connections()
    dropped_at = time.time_ns()
    await sim.exchanges["phemex"].wait_for_connections(2, timeout_s=5)
    symbols = {(await quotes.next_after(dropped_at)).symbol for _ in range(6)}
    assert symbols == {"BTCUSDT", "BTCUSD"}
    assert session.status.reconnects == 1


async def test_stalled_connection_is_replaced_by_the_watchdog(sim, start):
    phemex = sim.exchanges["phemex"]
    session, quotes = await start(sim, stall_timeout_s=0.3)
    await quotes.next()
    phemex.faults.stall = True
    await phemex.wait_for_connections(2, timeout_s=5)
    assert "stalled" in session.status.last_error.lower()
    phemex.faults.stall = False
    assert (await quotes.next_after(time.time_ns())).exchange == "phemex"


async def test_garbage_and_error_frames_are_counted_without_dropping_the_connection(sim, start):
    phemex = sim.exchanges["phemex"]
    session, quotes = await start(sim)
    await quotes.next()
    phemex.faults.error = True
    async with asyncio.timeout(5):
        while "phemex error 6001: invalid argument" not in session.status.last_error:
            await quotes.next()
    errors = session.status.frame_errors
    phemex.faults.error, phemex.faults.garbage = False, True
    async with asyncio.timeout(5):
        while session.status.frame_errors < errors + 2:  # random bytes and broken JSON
            await quotes.next()
    phemex.faults.garbage = False
    assert (await quotes.next_after(time.time_ns())).exchange == "phemex"
    assert phemex.connections_total == 1


async def test_server_close_code_leads_to_reconnect(sim, start):
    phemex = sim.exchanges["phemex"]
    session, quotes = await start(sim)
    await quotes.next()
    await phemex.close_connections(1001, "going away")
    await phemex.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(time.time_ns())).exchange == "phemex"
    assert session.status.reconnects >= 1


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
    session, quotes = await start(sim)
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
    # Late pongs do not hurt a session: it does not wait for them, only keeps pinging.
    session, quotes = await start(sim)
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
