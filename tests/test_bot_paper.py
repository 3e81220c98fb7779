"""A bot trades on paper as its author would write it, with `websockets` and plain HTTP: a
JWT from /api/token/, its wallets set over the API, then an `execute` on /ws answered by an
`execution`, and the same key again filling nothing more. Against `run_all --simulate`."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal

import aiohttp
import pytest
import websockets

from tests.processes import free_port, manage, start
from tests.test_bot_client import next_of_type

pytestmark = pytest.mark.e2e

INSTRUMENT = "XRP/USDT:USDT"  # thousands of coins at each top of book


async def both_quoted(ws) -> dict[str, dict]:
    """binance's and bybit's latest quotes of INSTRUMENT, once both have come."""
    await ws.send(json.dumps({"type": "subscribe", "instruments": [INSTRUMENT]}))
    await next_of_type(ws, "subscribed")
    quotes: dict[str, dict] = {}
    while len(quotes) < 2:
        message = json.loads(await ws.recv())
        if message["type"] in ("snapshot", "price_update"):
            quotes.update({q["exchange"]: q for q in message["data"] if q["instrument"] == INSTRUMENT})
    return quotes


async def reply(ws) -> dict:
    """The answer to an `execute`: an `execution`, or an `error` that names the key."""
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] in ("execution", "error"):
            return message
    raise AssertionError("the connection closed before the answer")


async def test_a_bot_executes_a_pair_over_ws_once_per_key(tmp_path):
    port = free_port()
    base_url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    command = manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance", "--exchange", "bybit")
    child = await start("run_all", command, env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        child.drain()
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{base_url}/api/token/", json={"username": credentials[1], "password": credentials[2]}
            )
            token = (await response.json())["access"]
            for exchange in ("binance", "bybit"):
                response = await http.put(
                    f"{base_url}/api/paper/wallets",
                    json={"exchange": exchange, "currency": "USDT", "balance": "10000000"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status == 200, await response.text()

        async with websockets.connect(ws_url, subprotocols=["bearer", token], open_timeout=10) as ws:
            await both_quoted(ws)  # both feeds are up
            order = {
                "type": "execute",
                "buy_exchange": "binance",
                "sell_exchange": "bybit",
                "instrument": INSTRUMENT,
                "size_base": "10",  # far below the simulator's tops of book, a whole number of lots
                "idempotency_key": uuid.uuid4().hex,
            }
            await ws.send(json.dumps(order))
            first = await asyncio.wait_for(reply(ws), 10)
            await ws.send(json.dumps(order))
            again = await asyncio.wait_for(reply(ws), 10)

        assert first["type"] == "execution", first
        assert first["filled"] is True and again["filled"] is False and again["id"] == first["id"]
        assert [(fill["side"], fill["exchange"]) for fill in first["fills"]] == [("buy", "binance"), ("sell", "bybit")]
        assert Decimal(first["size_base"]) == 10
    finally:
        await child.stop()
