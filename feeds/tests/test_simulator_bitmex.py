"""The simulated BitMEX speaks BitMEX's realtime protocol, and the real ExchangeSession keeps its
heartbeat rule (the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator


@pytest.fixture
async def sim():
    async with Simulator(["bitmex"], step_interval_s=0.02, seed=11) as simulator:
        yield simulator


async def _raw_socket(http: aiohttp.ClientSession, sim: Simulator) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(sim.endpoints["bitmex"].ws_url)
    welcome = json.loads((await ws.receive(timeout=5)).data)
    assert welcome["info"] == "Welcome to the BitMEX Realtime API."
    return ws


async def _until_closed(ws: aiohttp.ClientWebSocketResponse, timeout_s: float = 5) -> None:
    async with asyncio.timeout(timeout_s):
        while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            pass


async def test_instrument_list_has_what_the_connector_keeps_and_what_it_leaves_out(sim):
    async with aiohttp.ClientSession() as http:
        response = await http.get(sim.endpoints["bitmex"].rest_url + "/api/v1/instrument/active")
        body = await response.read()
    listed = {row["symbol"] for row in json.loads(body)}
    kept = {i.symbol: i for i in parse_instruments("bitmex", body)}
    assert {"XBTZ26", "ETHUSD", "LUNAUSDT"} <= listed - set(kept)
    assert kept["XBTUSD"].instrument == "BTC/USD:BTC"
    assert kept["XBTUSDT"].instrument == "BTC/USDT:USDT"
    assert len(kept) == 9  # eight USDT-margined coins and the inverse XBTUSD


async def test_inverse_and_linear_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=("XBTUSD", "XBTUSDT"))
    inverse, linear = await quotes.first_of("XBTUSD", "XBTUSDT")
    assert inverse.bid_size == inverse.bid_contracts / inverse.bid  # USD contracts
    assert linear.bid_size == linear.bid_contracts / 1_000_000
    assert abs(inverse.bid - linear.bid) / linear.bid < 0.01


async def test_a_client_that_never_pings_is_dropped(sim):
    sim.exchanges["bitmex"].client_timeout_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await _raw_socket(http, sim)
        await ws.send_str('{"op":"subscribe","args":["quote:XBTUSD"]}')
        await _until_closed(ws)
        assert ws.closed


async def test_the_session_heartbeat_keeps_the_connection_across_several_timeouts(sim, start_session):
    bitmex = sim.exchanges["bitmex"]
    bitmex.client_timeout_s = 0.3
    # The connector's 5 s heartbeat, scaled down with the timeout.
    session, quotes = await start_session(sim, heartbeat_interval_s=0.1)
    await quotes.next()
    until = time.monotonic() + 1.2  # four client timeouts
    while time.monotonic() < until:
        await quotes.next()
    assert bitmex.connections_total == 1
    assert session.status.reconnects == 0


async def test_text_ping_is_answered_with_pong_late_when_told(sim):
    bitmex = sim.exchanges["bitmex"]
    async with aiohttp.ClientSession() as http:
        ws = await _raw_socket(http, sim)
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        bitmex.faults.delay_pong_s = 0.3
        sent = time.monotonic()
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        assert time.monotonic() - sent >= 0.3
        await ws.close()


async def test_subscribe_acks_then_partial_then_inserts(sim):
    async with aiohttp.ClientSession() as http:
        listed = await (await http.get(sim.endpoints["bitmex"].rest_url + "/api/v1/instrument/active")).read()
        instruments = {i.symbol: i for i in parse_instruments("bitmex", listed)}
        ws = await _raw_socket(http, sim)
        await ws.send_str('{"op":"subscribe","args":["quote:XBTUSD","quote:ETHUSDT"]}')
        ack = json.loads((await ws.receive(timeout=5)).data)
        assert ack["success"] is True
        assert ack["subscribe"] == "quote:XBTUSD"
        assert ack["pool"] == "Primary"
        partial = json.loads((await ws.receive(timeout=5)).data)
        assert (partial["table"], partial["action"]) == ("quote", "partial")
        state: dict = {}
        actions = set()
        while "insert" not in actions:
            frame = (await ws.receive(timeout=5)).data
            actions.add(json.loads(frame).get("action"))
            for quote in parse_frame("bitmex", frame, instruments, state):
                assert quote.symbol in {"XBTUSD", "ETHUSDT"}
        await ws.close()


@pytest.mark.parametrize(
    ("topic", "message"),
    [("quotes:XBTUSD", "Unknown table: quotes"), ("quote:NOPEUSD", "Unknown or expired symbol: NOPEUSD")],
)
async def test_bad_topics_get_bitmex_error_frames(sim, topic, message):
    async with aiohttp.ClientSession() as http:
        ws = await _raw_socket(http, sim)
        await ws.send_str(json.dumps({"op": "subscribe", "args": [topic]}))
        body = json.loads((await ws.receive(timeout=5)).data)
        assert (body["status"], body["error"]) == (400, message)
        assert body["request"]["args"] == [topic]
        await ws.close()
