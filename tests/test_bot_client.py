"""A bot, written as its author would with `websockets` and plain HTTP: a JWT from
/api/token/, then /ws authenticated by Sec-WebSocket-Protocol or by its first message,
subscribed to one instrument, receiving the simulator's live quotes. Against
`manage.py run_all --simulate`, one process, embedded storage."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets

from tests.processes import free_port, manage, start

pytestmark = pytest.mark.e2e

INSTRUMENT = "BTC/USDT:USDT"


async def next_of_type(ws, message_type: str, timeout_s: float = 30) -> dict:
    async with asyncio.timeout(timeout_s):
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == message_type:
                return message
    raise AssertionError(f"the connection closed before a {message_type!r} message")


async def subscribe_and_receive(ws) -> dict:
    await ws.send(json.dumps({"type": "subscribe", "instruments": [INSTRUMENT]}))
    assert await next_of_type(ws, "subscribed") == {
        "type": "subscribed",
        "instruments": [INSTRUMENT],
        "opportunities": "instruments",
    }
    update = await next_of_type(ws, "price_update")
    while not update["data"]:
        update = await next_of_type(ws, "price_update")
    return update


async def test_a_bot_authenticates_subscribes_and_receives_live_quotes(tmp_path):
    port = free_port()
    base_url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    env = {
        "ARBSITE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "ARBSITE_WS_AUTH_TIMEOUT_S": "1",
    }
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance"), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        child.drain()

        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{base_url}/api/token/", json={"username": credentials[1], "password": credentials[2]}
            )
            assert response.status == 200, await response.text()
            tokens = await response.json()
            bearer = {"Authorization": f"Bearer {tokens['access']}"}
            root = await (await http.get(f"{base_url}/", headers={"Accept": "application/json", **bearer})).json()
            assert root["websocket"] == "/ws"

        # 1. The token in Sec-WebSocket-Protocol; the server answers "bearer", never the token.
        #    websockets offers permessage-deflate as browsers do: updates arrive compressed.
        async with websockets.connect(ws_url, subprotocols=["bearer", tokens["access"]], open_timeout=10) as ws:
            assert ws.subprotocol == "bearer"
            assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
            assert (await next_of_type(ws, "snapshot"))["type"] == "snapshot"
            update = await subscribe_and_receive(ws)
            assert {quote["instrument"] for quote in update["data"]} == {INSTRUMENT}
            quote = update["data"][0]
            assert quote["exchange"] == "binance"
            assert float(quote["bid"]) < float(quote["ask"])

        # 2. The token as the first message, from a client that does not compress.
        async with websockets.connect(ws_url, open_timeout=10, compression=None) as ws:
            assert "Sec-WebSocket-Extensions" not in ws.response.headers
            await ws.send(json.dumps({"type": "auth", "token": tokens["access"]}))
            assert (await next_of_type(ws, "snapshot"))["type"] == "snapshot"
            update = await subscribe_and_receive(ws)
            assert {quote["instrument"] for quote in update["data"]} == {INSTRUMENT}

        # 3. No token at all: closed with 4408 once the auth timeout passes.
        async with websockets.connect(ws_url, open_timeout=10) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await next_of_type(ws, "never", timeout_s=10)
            assert closed.value.rcvd.code == 4408

        # The same quotes over REST, with the same token.
        async with aiohttp.ClientSession() as http:
            response = await http.get(f"{base_url}/api/prices/BTCUSDT", headers=bearer)
            assert response.status == 200
            body = await response.json()
            assert body["symbol"] == INSTRUMENT
            assert "binance" in body["prices"]
    finally:
        await child.stop()
