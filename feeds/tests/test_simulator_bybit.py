"""The simulated Bybit speaks Bybit's protocol, and the real ExchangeSession survives its faults."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.rest import fetch_instruments
from feeds.session import ExchangeSession
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector

INSTRUMENTS_PATH = "/v5/market/instruments-info?category=linear&limit=1000"


@pytest.fixture
async def sim():
    async with Simulator(["bybit"], step_interval_s=0.02, seed=11) as simulator:
        yield simulator


@pytest.fixture
async def start_session(sim):
    """Like conftest's, but awaits the cancelled sessions before the simulator stops, which
    spares each test the 2 s a server-side close of a still-running client costs."""
    tasks = []

    async def start(simulator: Simulator, exchange_id: str = "bybit", **options) -> tuple[ExchangeSession, Collector]:
        endpoints = simulator.endpoints[exchange_id]
        listed = await fetch_instruments(exchange_id, endpoints.rest_url)
        instruments = {i.symbol: i for i in listed if i.base in ("BTC", "ETH")}
        collector = Collector()
        defaults = {"stall_timeout_s": 5.0, "backoff_initial_s": 0.05, "backoff_max_s": 0.2}
        session = ExchangeSession(exchange_id, instruments, collector, endpoints=endpoints, **{**defaults, **options})
        tasks.append(asyncio.create_task(session.run()))
        return session, collector

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _instruments(http: aiohttp.ClientSession, sim: Simulator) -> dict:
    body = await (await http.get(sim.endpoints["bybit"].rest_url + INSTRUMENTS_PATH)).read()
    return {i.symbol: i for i in parse_instruments("bybit", body)}


# --- the session against the simulator ------------------------------------------------------


async def test_session_subscribes_and_streams_quotes_for_each_instrument(sim, start_session):
    session, quotes = await start_session(sim, "bybit")
    assert set(session.instruments) == {"BTCUSDT", "ETHUSDT", "BTCPERP", "ETHPERP"}
    first = await quotes.next()
    assert first.exchange == "bybit"
    assert first.bid < first.ask
    assert first.bid_size > 0 and first.ask_size > 0
    assert session.status.state == "connected"
    seen = {first.instrument}
    while seen != {"BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USDC:USDC", "ETH/USDC:USDC"}:
        seen.add((await quotes.next()).instrument)
    assert session.status.frame_errors == 0


async def test_dropped_connection_reconnects_and_resubscribes(sim, start_session):
    exchange = sim.exchanges["bybit"]
    session, quotes = await start_session(sim, "bybit")
    await quotes.next()
    exchange.drop_connections()
    dropped_at = time.time_ns()
    await exchange.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(dropped_at)).exchange == "bybit"
    assert session.status.reconnects == 1


async def test_stalled_connection_is_replaced_by_the_watchdog(sim, start_session):
    exchange = sim.exchanges["bybit"]
    session, quotes = await start_session(sim, "bybit", stall_timeout_s=0.3)
    await quotes.next()
    exchange.faults.stall = True
    await exchange.wait_for_connections(2, timeout_s=5)
    assert "stalled" in session.status.last_error
    exchange.faults.stall = False
    assert (await quotes.next_after(time.time_ns())).exchange == "bybit"


async def test_garbage_and_error_frames_are_counted_without_dropping_the_connection(sim, start_session):
    exchange = sim.exchanges["bybit"]
    session, quotes = await start_session(sim, "bybit")
    await quotes.next()
    exchange.faults.garbage = exchange.faults.error = True
    await quotes.next_after(time.time_ns())
    await quotes.next_after(time.time_ns())
    exchange.faults.garbage = exchange.faults.error = False
    assert session.status.frame_errors >= 3
    assert exchange.connections_total == 1


async def test_server_close_code_leads_to_reconnect(sim, start_session):
    exchange = sim.exchanges["bybit"]
    session, quotes = await start_session(sim, "bybit")
    await quotes.next()
    await exchange.close_connections(1001, "going away")
    await exchange.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(time.time_ns())).exchange == "bybit"
    assert session.status.reconnects >= 1


async def test_session_heartbeat_keeps_an_idle_connection_open(sim):
    exchange = sim.exchanges["bybit"]
    exchange.idle_timeout_s = 0.3
    # No subscriptions: only the heartbeat's ping-pong keeps Bybit from cutting the socket.
    session = ExchangeSession(
        "bybit",
        {},
        Collector(),
        endpoints=sim.endpoints["bybit"],
        stall_timeout_s=5.0,
        backoff_initial_s=0.05,
        backoff_max_s=0.2,
    )
    session.heartbeat_interval_s = 0.05
    task = asyncio.create_task(session.run())
    try:
        await exchange.wait_for_pings(20, timeout_s=5)  # ≥ 1 s: more than three idle timeouts
        assert exchange.connections_total == 1
        assert session.status.state == "connected"
        assert session.status.frame_errors == 0
        assert session.status.messages >= 15  # the pongs
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


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
    from feeds.rest import fetch_instruments

    async with Simulator(["bybit"], step_interval_s=0.05) as sim:
        whole = await fetch_instruments("bybit", sim.endpoints["bybit"].rest_url)
        connector = get_connector("bybit")
        monkeypatch.setattr(
            type(connector), "instruments_paths", ("/v5/market/instruments-info?category=linear&limit=2",)
        )
        paged = await fetch_instruments("bybit", sim.endpoints["bybit"].rest_url)
    assert len(whole) > 2
    assert sorted(i.symbol for i in paged) == sorted(i.symbol for i in whole)
