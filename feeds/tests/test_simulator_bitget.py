"""The simulated Bitget speaks Bitget's v2 public protocol, and the real ExchangeSession keeps a feed from it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from feeds.exchanges import parse_frame, parse_instruments
from feeds.exchanges.bitget import Bitget
from feeds.rest import fetch_instruments
from feeds.simulator.server import Simulator

BTC_BOOKS1 = {"instType": "USDT-FUTURES", "channel": "books1", "instId": "BTCUSDT"}


@pytest.fixture
async def sim():
    async with Simulator(["bitget"], step_interval_s=0.02, seed=12) as simulator:
        yield simulator


async def _next_event(ws: aiohttp.ClientWebSocketResponse, timeout_s: float = 5.0) -> dict:
    """The next acknowledgement or error, skipping book snapshots and pongs."""
    async with asyncio.timeout(timeout_s):
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT or message.data == "pong":
                continue
            body = json.loads(message.data)
            if "event" in body:
                return body


async def _until_closed(ws: aiohttp.ClientWebSocketResponse, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            pass


# --- the session against the simulator -----------------------------------------------------


async def test_sizes_of_every_product_type_are_already_coins(sim, start_session):
    _, quotes = await start_session(sim, watched=("BTCUSDT", "ETHPERP", "BTCUSD"))
    usdt, usdc, inverse = await quotes.first_of("BTCUSDT", "ETHPERP", "BTCUSD")
    assert (usdc.instrument, inverse.instrument) == ("ETH/USDC:USDC", "BTC/USD:BTC")
    assert usdt.bid_size == usdt.bid_contracts
    assert inverse.bid_size == inverse.bid_contracts  # coins, as Bitget sends them


async def test_session_sends_text_pings_and_stays_connected_across_several_heartbeat_intervals(sim, start_session):
    exchange = sim.exchanges["bitget"]
    exchange.ping_silence_limit_s = 0.8
    # 5 pings a second: fast, yet under Bitget's 10 messages a second.
    _, quotes = await start_session(sim, heartbeat_interval_s=0.2)
    await quotes.next()
    until = time.monotonic() + 3 * exchange.ping_silence_limit_s
    while time.monotonic() < until:
        await quotes.next_after(time.time_ns())
    assert exchange.connections_total == 1
    assert exchange.messages_received >= 1 + 5  # the subscribe, then pings


async def test_late_pongs_do_not_cost_the_session_its_connection(sim, start_session):
    exchange = sim.exchanges["bitget"]
    exchange.ping_silence_limit_s = 0.8
    exchange.faults.delay_pong_s = 1.0
    session, quotes = await start_session(sim, heartbeat_interval_s=0.2)
    await quotes.next()
    until = time.monotonic() + 1.5
    while time.monotonic() < until:
        await quotes.next_after(time.time_ns())
    assert exchange.connections_total == 1
    assert session.status.frame_errors == 0


# --- the protocol, as a client written to Bitget's docs sees it -----------------------------


async def test_contract_lists_per_product_type_keep_and_leave_out_the_right_contracts(sim):
    listed = {i.symbol: i for i in await fetch_instruments("bitget", sim.endpoints["bitget"].rest_url)}
    async with aiohttp.ClientSession() as http:
        path = Bitget.instruments_paths[0]
        served = {c["symbol"] for c in (await (await http.get(sim.endpoints["bitget"].rest_url + path)).json())["data"]}
        refused = await http.get(sim.endpoints["bitget"].rest_url + "/api/v2/mix/market/contracts?productType=NOPE")
        assert refused.status == 400
    assert {"BTCUSDT0327", "OLDUSDT", "AAPLUSDT"} <= served - set(listed)
    assert {"BTCUSDT", "LINKUSDT", "BTCPERP", "ETHPERP", "BTCUSD", "ETHUSD"} <= set(listed)
    assert listed["LINKUSDT"].tick_size == sim.market.coins["LINK"].tick
    assert listed["ETHUSD"].instrument == "ETH/USD:ETH"


async def test_subscribe_is_acked_per_arg_and_streams_books1_snapshots(sim):
    async with aiohttp.ClientSession() as http:
        body = await (await http.get(sim.endpoints["bitget"].rest_url + Bitget.instruments_paths[0])).read()
        instruments = {i.symbol: i for i in parse_instruments("bitget", body)}
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        eth = {**BTC_BOOKS1, "instId": "ETHUSDT"}
        await ws.send_str(json.dumps({"op": "subscribe", "args": [BTC_BOOKS1, eth]}))
        assert await _next_event(ws) == {"event": "subscribe", "arg": BTC_BOOKS1}
        assert await _next_event(ws) == {"event": "subscribe", "arg": eth}
        push = await ws.receive(timeout=5)
        snapshot = json.loads(push.data)
        assert snapshot["action"] == "snapshot"
        assert isinstance(snapshot["data"][0]["ts"], str)
        [quote] = parse_frame("bitget", push.data, instruments)
        assert quote.symbol in ("BTCUSDT", "ETHUSDT")
        await ws.close()


async def test_unknown_symbol_and_bad_request_get_bitget_error_events(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        nope = {**BTC_BOOKS1, "instId": "NOPEUSDT"}
        await ws.send_str(json.dumps({"op": "subscribe", "args": [nope]}))
        error = await _next_event(ws)
        assert (error["event"], error["code"], error["arg"]) == ("error", 30001, nope)
        assert "doesn't exist" in error["msg"]
        await ws.send_str('{"op":"dance"}')
        assert (await _next_event(ws))["code"] == 30002
        await ws.close()


async def test_unsubscribe_is_acked(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        await ws.send_str(json.dumps({"op": "subscribe", "args": [BTC_BOOKS1]}))
        await _next_event(ws)
        await ws.send_str(json.dumps({"op": "unsubscribe", "args": [BTC_BOOKS1]}))
        assert await _next_event(ws) == {"event": "unsubscribe", "arg": BTC_BOOKS1}
        await ws.close()


async def test_text_ping_is_answered_with_text_pong_late_when_delayed(sim):
    sim.exchanges["bitget"].faults.delay_pong_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        sent = time.monotonic()
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        assert time.monotonic() - sent >= 0.3
        await ws.close()


async def test_websocket_ping_frames_are_not_bitgets_heartbeat_and_the_client_is_dropped(sim):
    sim.exchanges["bitget"].ping_silence_limit_s = 0.3
    async with aiohttp.ClientSession() as http:
        # aiohttp's heartbeat sends protocol ping frames, which the server answers, but Bitget wants the text.
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url, heartbeat=0.1)
        await ws.send_str(json.dumps({"op": "subscribe", "args": [BTC_BOOKS1]}))
        await _until_closed(ws)
        assert ws.closed


async def test_more_than_ten_messages_a_second_is_a_disconnect(sim):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["bitget"].ws_url)
        for _ in range(12):
            await ws.send_str("ping")
        await _until_closed(ws)
        assert ws.close_code == 1008
