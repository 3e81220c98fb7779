"""The simulated OKX speaks OKX's protocol, and the real ExchangeSession copes with its notices (the
session's fault drills, and its heartbeat on an idle connection, are in test_fault_drills.py)."""

from __future__ import annotations

import json
import logging
import time
from decimal import Decimal

import aiohttp
import pytest

from feeds.exchanges import FrameError, parse_frame, parse_instruments
from feeds.simulator.server import Simulator

INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SWAP"


@pytest.fixture
async def sim():
    async with Simulator(["okx"], step_interval_s=0.02, seed=5) as simulator:
        yield simulator


async def _instruments(http: aiohttp.ClientSession, sim: Simulator) -> dict:
    body = await (await http.get(sim.endpoints["okx"].rest_url + INSTRUMENTS_PATH)).read()
    return {i.symbol: i for i in parse_instruments("okx", body)}


# --- the session against the simulator ------------------------------------------------------


async def test_linear_and_inverse_sizes_come_out_in_base_units(sim, start_session):
    _, quotes = await start_session(sim, watched=("BTC-USDT-SWAP", "BTC-USD-SWAP"))
    linear, inverse = await quotes.first_of("BTC-USDT-SWAP", "BTC-USD-SWAP")
    assert linear.bid_size == linear.bid_contracts * Decimal("0.01")
    assert inverse.bid_size == inverse.bid_contracts * 100 / inverse.bid


async def test_service_upgrade_notice_moves_the_session_to_a_new_connection_without_error(sim, start_session, caplog):
    exchange = sim.exchanges["okx"]
    session, quotes = await start_session(sim, "okx")
    await quotes.next()
    messages_before = session.status.messages
    with caplog.at_level(logging.WARNING, logger="feeds.exchanges.okx"):
        await exchange.send_service_upgrade_notice()
        await quotes.next_after(time.time_ns())
        await exchange.wait_for_connections(2, timeout_s=5)  # the session moves before the upgrade
        await quotes.next_after(time.time_ns())
    assert "okx notice 64008" in caplog.text
    assert session.status.messages > messages_before
    assert session.status.frame_errors == 0
    assert session.status.reconnects == 0  # a planned move, not a failure


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
