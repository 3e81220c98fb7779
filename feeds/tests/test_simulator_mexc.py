"""The simulated MEXC speaks MEXC's futures protocol, and the real ExchangeSession keeps a feed from it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from decimal import Decimal

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator

SUBSCRIBE_BTC = '{"method":"sub.depth.full","param":{"symbol":"BTC_USDT","limit":5},"gzip":false}'


@pytest.fixture
async def sim():
    async with Simulator(["mexc"], step_interval_s=0.02, seed=11) as simulator:
        yield simulator


def _text(message: aiohttp.WSMessage) -> str:
    if message.type == aiohttp.WSMsgType.BINARY:
        return zlib.decompress(message.data, 16 + zlib.MAX_WBITS).decode()
    return message.data


async def _next_json(ws: aiohttp.ClientWebSocketResponse, channel: str, timeout_s: float = 5.0) -> dict:
    """The next frame on `channel`, skipping the book pushes in between."""
    async with asyncio.timeout(timeout_s):
        while True:
            body = json.loads(_text(await ws.receive()))
            if body.get("channel") == channel:
                return body


# --- the session against the simulator -----------------------------------------------------


async def test_linear_and_inverse_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=("BTC_USDT", "BTC_USD"))
    linear, inverse = await quotes.first_of("BTC_USDT", "BTC_USD")
    assert linear.bid_size == linear.bid_contracts * Decimal("0.0001")
    assert inverse.bid_size == inverse.bid_contracts * 100 / inverse.bid


async def test_session_pings_and_stays_connected_across_several_heartbeat_intervals(sim, start_session):
    exchange = sim.exchanges["mexc"]
    exchange.ping_silence_limit_s = 0.5
    session, quotes = await start_session(sim, heartbeat_interval_s=0.1)
    await quotes.next()
    until = time.monotonic() + 4 * exchange.ping_silence_limit_s
    while time.monotonic() < until:
        await quotes.next_after(time.time_ns())
    assert exchange.connections_total == 1
    assert exchange.messages_received >= len(session.instruments) + 5  # subscribes, then pings


async def test_late_pongs_do_not_cost_the_session_its_connection(sim, start_session):
    exchange = sim.exchanges["mexc"]
    exchange.ping_silence_limit_s = 0.5
    exchange.faults.delay_pong_s = 0.7
    session, quotes = await start_session(sim, heartbeat_interval_s=0.1)
    await quotes.next()
    until = time.monotonic() + 1.0
    while time.monotonic() < until:
        await quotes.next_after(time.time_ns())
    assert exchange.connections_total == 1
    assert session.status.frame_errors == 0


# --- the protocol, as a client written to MEXC's docs sees it -------------------------------


async def test_contract_detail_lists_what_the_connector_keeps_and_what_it_leaves_out(sim):
    async with aiohttp.ClientSession() as http:
        response = await http.get(sim.endpoints["mexc"].rest_url + "/api/v1/contract/detail")
        body = await response.read()
    listed = {i.symbol: i for i in parse_instruments("mexc", body)}
    served = {c["symbol"] for c in json.loads(body)["data"]}
    assert {"BTC_USDT_260327", "LUNA_USDT", "AAPLSTOCK_USDT"} <= served - set(listed)
    assert {"BTC_USDT", "ETH_USDT", "LINK_USDT", "BTC_USDC", "ETH_USDC", "BTC_USD", "ETH_USD"} <= set(listed)
    assert listed["ETH_USD"].instrument == "ETH/USD:ETH"
    assert listed["ETH_USD"].contract_size == 10


async def test_subscribe_is_acked_without_a_symbol_and_streams_top_5_books(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["mexc"].rest_url + "/api/v1/contract/detail")).read()
        instruments = {i.symbol: i for i in parse_instruments("mexc", body)}
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str(SUBSCRIBE_BTC)
        ack = json.loads((await ws.receive(timeout=5)).data)
        assert (ack["channel"], ack["data"]) == ("rs.sub.depth.full", "success")
        assert "symbol" not in ack
        push = await ws.receive(timeout=5)
        assert push.type == aiohttp.WSMsgType.TEXT  # "gzip": false
        frame = json.loads(push.data)
        assert len(frame["data"]["bids"]) == len(frame["data"]["asks"]) == 5
        [quote] = parse_frame("mexc", push.data, instruments)
        assert quote.symbol == "BTC_USDT"
        await ws.close()


async def test_without_gzip_false_pushes_come_gzip_compressed(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str('{"method":"sub.depth.full","param":{"symbol":"ETH_USDT","limit":10}}')
        await _next_json(ws, "rs.sub.depth.full")
        push = await ws.receive(timeout=5)
        assert push.type == aiohttp.WSMsgType.BINARY
        assert push.data[:2] == b"\x1f\x8b"
        frame = json.loads(_text(push))
        assert frame["symbol"] == "ETH_USDT"
        assert len(frame["data"]["bids"]) == 10
        await ws.close()


async def test_unknown_contract_and_unknown_method_get_rs_error(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str('{"method":"sub.depth.full","param":{"symbol":"NOPE_USDT","limit":5},"gzip":false}')
        assert (await _next_json(ws, "rs.error"))["data"] == "Contract doesn't exist!"
        await ws.send_str('{"method":"sub.nothing","param":{}}')
        assert "sub.nothing" in (await _next_json(ws, "rs.error"))["data"]
        await ws.close()


@pytest.mark.parametrize("method", ["unsub.depth.full", "usub.depth.full"])
async def test_unsubscribe_is_acked_under_either_spelling(sim, method):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str(SUBSCRIBE_BTC)
        await _next_json(ws, "rs.sub.depth.full")
        await ws.send_str(json.dumps({"method": method, "param": {"symbol": "BTC_USDT"}}))
        assert (await _next_json(ws, "rs.unsub.depth.full"))["data"] == "success"
        await ws.close()


async def test_ping_is_answered_with_pong_and_server_time(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str('{"method":"ping"}')
        pong = await _next_json(ws, "pong")
        assert abs(pong["data"] - time.time() * 1000) < 5000
        await ws.close()


async def test_delayed_pong_arrives_late(sim):
    sim.exchanges["mexc"].faults.delay_pong_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        sent = time.monotonic()
        await ws.send_str('{"method":"ping"}')
        await _next_json(ws, "pong")
        assert time.monotonic() - sent >= 0.3
        await ws.close()


async def test_a_client_that_does_not_ping_is_dropped(sim):
    sim.exchanges["mexc"].ping_silence_limit_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["mexc"].ws_url)
        await ws.send_str(SUBSCRIBE_BTC)  # data flowing does not count: only pings do
        async with asyncio.timeout(5):
            while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass
        assert ws.closed
