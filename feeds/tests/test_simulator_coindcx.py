"""The simulated CoinDCX speaks CoinDCX's Socket.IO protocol, and SocketIOSession lives on it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import socketio

from feeds.exchanges import parse_frame, parse_instruments
from feeds.exchanges.coindcx import CoinDCX
from feeds.runner import session_class_for
from feeds.simulator.server import Simulator
from feeds.socketio_session import SocketIOSession

# Engine.IO's 25 s, scaled down; the ping timeout follows it. Whole seconds: python-engineio
# announces the interval to clients in whole seconds.
PING_INTERVAL_S = 1


@pytest.fixture
async def sim():
    async with Simulator(["coindcx"], step_interval_s=0.02, seed=7, server_ping_interval_s=PING_INTERVAL_S) as sim:
        yield sim


def test_the_runner_picks_the_socketio_session():
    assert session_class_for(CoinDCX.transport) is SocketIOSession


async def test_a_client_that_does_not_answer_engineio_pings_is_dropped(sim):
    url = sim.endpoints["coindcx"].rest_url + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        opened = json.loads((await ws.receive(timeout=5)).data[1:])  # "0{...}": Engine.IO open
        assert opened["pingInterval"] == PING_INTERVAL_S * 1000
        await ws.send_str("40")  # Socket.IO connect; then never answer the "2" pings with "3"
        pings = 0
        async with asyncio.timeout(5):
            while (message := await ws.receive()).type == aiohttp.WSMsgType.TEXT:
                pings += message.data == "2"
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        assert pings >= 1


async def test_the_session_stays_connected_across_ping_intervals(sim, start_session):
    session, quotes = await start_session(sim)
    first = await quotes.next()
    # Wait, on quotes rather than a sleep, until several ping intervals and timeouts have passed.
    later = first.recv_ns + int(3 * PING_INTERVAL_S * 1e9)
    assert (await quotes.next_after(later)).exchange == "coindcx"
    assert sim.exchanges["coindcx"].connections_total == 1
    assert session.status.reconnects == 0


async def test_a_server_ping_later_than_the_handshake_allows_replaces_the_connection(sim, start_session):
    coindcx = sim.exchanges["coindcx"]
    session, quotes = await start_session(sim)
    await quotes.next()
    coindcx.faults.delay_pong_s = 5.0
    await coindcx.wait_for_connections(2, timeout_s=10)
    # Engine.IO's rule with the handshake's figures: pingInterval + pingTimeout.
    assert session.status.last_error == f"no heartbeat from the exchange for {2 * PING_INTERVAL_S:g} s"
    assert session.status.heartbeat_timeouts == 1


async def test_instrument_endpoints_answer_in_the_exchange_shapes(sim):
    rest_url = sim.endpoints["coindcx"].rest_url
    async with aiohttp.ClientSession() as http:
        names = await (await http.get(rest_url + CoinDCX.instruments_paths[0])).read()
        assert {i.symbol for i in parse_instruments("coindcx", names)} >= {"B-BTC_USDT", "B-ETH_USDT"}
        path = "/exchange/v1/derivatives/futures/data/instrument?margin_currency_short_name=USDT&pair="
        [btc] = parse_instruments("coindcx", await (await http.get(rest_url + path + "B-BTC_USDT")).read())
        assert (btc.instrument, btc.tick_size) == ("BTC/USDT:USDT", sim.market.coins["BTC"].tick)
        for left_out in ("B-LUNA_USDT", "B-BTC_USDT_260925"):
            assert parse_instruments("coindcx", await (await http.get(rest_url + path + left_out)).read()) == []


async def test_join_gives_a_snapshot_then_updates_and_unknown_channels_stay_silent(sim):
    instruments = {i.symbol: i for i in parse_instruments("coindcx", '["B-SOL_USDT"]')}
    events: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    for name in ("depth-snapshot", "depth-update"):
        client.on(name, lambda payload, name=name: events.put_nowait((name, payload)))
    await client.connect(sim.endpoints["coindcx"].ws_url, transports=["websocket"])
    try:
        await client.emit("join", {"channelName": "B-NOPE_USDT@orderbook@20-futures"})
        await client.emit("join", {"channelName": "B-SOL_USDT@orderbook@20-futures"})
        state: dict = {}
        name, payload = await asyncio.wait_for(events.get(), 5)
        assert name == payload["event"] == "depth-snapshot"
        assert isinstance(payload["data"], str)  # JSON inside a string
        [quote] = parse_frame("coindcx", json.dumps(payload), instruments, state)
        assert quote.symbol == "B-SOL_USDT"
        vs = json.loads(payload["data"])["vs"]
        name, payload = await asyncio.wait_for(events.get(), 5)
        assert name == "depth-update"
        assert json.loads(payload["data"])["vs"] == vs + 1
        assert json.loads(payload["data"])["s"] == "SOLUSDT"  # never anything for NOPE
        assert parse_frame("coindcx", json.dumps(payload), instruments, state)[0].symbol == "B-SOL_USDT"
    finally:
        await client.disconnect()
