"""The simulated OKX speaks OKX's protocol, and the real ExchangeSession survives its faults."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from decimal import Decimal

import aiohttp
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.rest import fetch_instruments
from feeds.session import ExchangeSession
from feeds.simulator.server import Simulator
from feeds.tests.conftest import Collector

INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SWAP"


@pytest.fixture
async def sim():
    async with Simulator(["okx"], step_interval_s=0.02, seed=5) as simulator:
        yield simulator


@pytest.fixture
async def start_session(sim):
    """Like conftest's, but awaits the cancelled sessions before the simulator stops, which
    spares each test the 2 s a server-side close of a still-running client costs."""
    tasks = []

    async def start(simulator: Simulator, exchange_id: str = "okx", **options) -> tuple[ExchangeSession, Collector]:
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
    body = await (await http.get(sim.endpoints["okx"].rest_url + INSTRUMENTS_PATH)).read()
    return {i.symbol: i for i in parse_instruments("okx", body)}


# --- the session against the simulator ------------------------------------------------------


async def test_session_subscribes_and_streams_linear_usdc_and_inverse_quotes(sim, start_session):
    session, quotes = await start_session(sim, "okx")
    assert set(session.instruments) == {
        "BTC-USDT-SWAP",
        "ETH-USDT-SWAP",
        "BTC-USDC-SWAP",
        "ETH-USDC-SWAP",
        "BTC-USD-SWAP",
        "ETH-USD-SWAP",
    }
    first = await quotes.next()
    assert first.exchange == "okx"
    assert first.bid < first.ask
    assert session.status.state == "connected"
    by_instrument = {first.instrument: first}
    while len(by_instrument) < 6:
        quote = await quotes.next()
        by_instrument[quote.instrument] = quote
    linear, inverse = by_instrument["BTC/USDT:USDT"], by_instrument["BTC/USD:BTC"]
    assert linear.bid_size == linear.bid_contracts * Decimal("0.01")
    assert inverse.bid_size == inverse.bid_contracts * 100 / inverse.bid
    assert session.status.frame_errors == 0


async def test_dropped_connection_reconnects_and_resubscribes(sim, start_session):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx")
    await quotes.next()
    exchange.drop_connections()
    dropped_at = time.time_ns()
    await exchange.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(dropped_at)).exchange == "okx"
    assert session.status.reconnects == 1


async def test_stalled_connection_is_replaced_by_the_watchdog(sim, start_session):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx", stall_timeout_s=0.3)
    await quotes.next()
    exchange.faults.stall = True
    await exchange.wait_for_connections(2, timeout_s=5)
    assert "stalled" in session.status.last_error
    exchange.faults.stall = False
    assert (await quotes.next_after(time.time_ns())).exchange == "okx"


async def test_garbage_and_error_frames_are_counted_without_dropping_the_connection(sim, start_session):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx")
    await quotes.next()
    exchange.faults.garbage = exchange.faults.error = True
    await quotes.next_after(time.time_ns())
    await quotes.next_after(time.time_ns())
    exchange.faults.garbage = exchange.faults.error = False
    assert session.status.frame_errors >= 3
    assert exchange.connections_total == 1


async def test_server_close_code_leads_to_reconnect(sim, start_session):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx")
    await quotes.next()
    await exchange.close_connections(4004, "No data received in 30s")
    await exchange.wait_for_connections(2, timeout_s=5)
    assert (await quotes.next_after(time.time_ns())).exchange == "okx"
    assert session.status.reconnects >= 1
    assert "4004" in session.status.last_error


async def test_service_upgrade_notice_is_logged_but_neither_an_error_nor_a_disconnect(sim, start_session, caplog):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx")
    await quotes.next()
    messages_before = session.status.messages
    with caplog.at_level(logging.WARNING, logger="feeds.exchanges.okx"):
        await exchange.send_service_upgrade_notice()
        await quotes.next_after(time.time_ns())
    assert "okx notice 64008" in caplog.text
    assert session.status.messages > messages_before
    assert session.status.frame_errors == 0
    assert exchange.connections_total == 1


async def test_session_heartbeat_keeps_an_idle_connection_open(sim):
    exchange = sim.exchanges["okx"]
    exchange.idle_timeout_s = 0.3
    # No subscriptions: only the text ping keeps OKX from closing the socket with 4004.
    session = ExchangeSession(
        "okx",
        {},
        Collector(),
        endpoints=sim.endpoints["okx"],
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


async def test_a_client_that_neither_pings_nor_subscribes_is_closed_with_4004(sim):
    sim.exchanges["okx"].idle_timeout_s = 0.3
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        message = await ws.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == 4004


async def test_subscribe_is_acked_per_arg_then_snapshots_stream(sim):
    async with aiohttp.ClientSession() as http:
        instruments = await _instruments(http, sim)
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        await ws.send_str(
            '{"id":"9","op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},'
            '{"channel":"bbo-tbt","instId":"NOPE-USDT-SWAP"}]}'
        )
        ack = json.loads((await ws.receive(timeout=5)).data)
        assert ack == {
            "id": "9",
            "event": "subscribe",
            "arg": {"channel": "bbo-tbt", "instId": "BTC-USDT-SWAP"},
            "connId": ack["connId"],
        }
        [quote] = parse_frame("okx", (await ws.receive(timeout=5)).data, instruments)
        assert quote.symbol == "BTC-USDT-SWAP"
        error = (await ws.receive(timeout=5)).data
        assert json.loads(error)["code"] == "60018"
        with pytest.raises(FrameError, match="NOPE-USDT-SWAP doesn't exist"):
            parse_frame("okx", error, instruments)
        await ws.close()


@pytest.mark.parametrize(
    ("request_text", "code"),
    [("not json", "60012"), ('{"op":"subscribe","args":[]}', "60012"), ('{"op":"login2","args":[{}]}', "60019")],
)
async def test_bad_requests_get_okx_error_codes(sim, request_text, code):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        await ws.send_str(request_text)
        assert json.loads((await ws.receive(timeout=5)).data)["code"] == code


async def test_oversized_request_is_closed_with_1009(sim):
    args = [{"channel": "bbo-tbt", "instId": f"C{n}-USDT-SWAP"} for n in range(2000)]
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        await ws.send_str(json.dumps({"op": "subscribe", "args": args}))
        message = await ws.receive(timeout=5)
        assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, 1009)


async def test_text_ping_gets_pong_late_when_pongs_are_delayed(sim):
    exchange = sim.exchanges["okx"]
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(sim.endpoints["okx"].ws_url)
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        exchange.faults.delay_pong_s = 0.25
        sent = time.monotonic()
        await ws.send_str("ping")
        assert (await ws.receive(timeout=5)).data == "pong"
        assert time.monotonic() - sent >= 0.25


async def test_instrument_endpoint_lists_swaps_and_futures_apart(sim):
    rest = sim.endpoints["okx"].rest_url
    async with aiohttp.ClientSession() as http:
        swaps = await _instruments(http, sim)
        futures = await (await http.get(rest + "/api/v5/public/instruments?instType=FUTURES")).json()
        missing = await http.get(rest + "/api/v5/public/instruments")
        assert missing.status == 400
        assert (await missing.json())["code"] == "50014"
    coins = ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "LINK")
    expected = {f"{coin}-USDT-SWAP" for coin in coins} | {
        "BTC-USDC-SWAP",
        "ETH-USDC-SWAP",
        "BTC-USD-SWAP",
        "ETH-USD-SWAP",
    }
    assert set(swaps) == expected  # no pre-market, suspended or stock swap
    assert swaps["BTC-USD-SWAP"].contract_size == 100 and not swaps["BTC-USD-SWAP"].linear
    assert [row["instType"] for row in futures["data"]] == ["FUTURES"]
    assert parse_instruments("okx", json.dumps(futures)) == []
