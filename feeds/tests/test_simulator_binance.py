"""The simulated Binance speaks Binance's protocol: a client written to the docs works on it
(the fault drills every exchange shares are in test_fault_drills.py)."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from feeds.exchanges import parse_frame, parse_instruments
from feeds.simulator.server import Simulator


async def _connect(http: aiohttp.ClientSession, sim: Simulator, **options) -> aiohttp.ClientWebSocketResponse:
    return await http.ws_connect(sim.endpoints["binance"].ws_url, **options)


async def test_subscribe_is_acked_and_streams_book_tickers(simulator):
    async with aiohttp.ClientSession() as http:
        listed = await (await http.get(simulator.endpoints["binance"].rest_url + "/fapi/v1/exchangeInfo")).read()
        instruments = {i.symbol: i for i in parse_instruments("binance", listed)}
        ws = await _connect(http, simulator)
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":7}')
        assert json.loads((await ws.receive(timeout=5)).data) == {"result": None, "id": 7}
        frame = (await ws.receive(timeout=5)).data
        [quote] = parse_frame("binance", frame, instruments)
        assert quote.symbol == "BTCUSDT"
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":8}')
        async for message in ws:
            body = json.loads(message.data)
            if body.get("id") == 8:
                assert body["result"] == ["btcusdt@bookTicker"]
                break
        await ws.close()


async def test_unknown_method_gets_the_wrapped_error(simulator):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, simulator)
        await ws.send_str('{"method":"SUBSCRIB","params":[],"id":3}')
        body = json.loads((await ws.receive(timeout=5)).data)
        assert body["id"] == 3
        assert body["error"]["code"] == 2


async def test_binary_frames_are_closed_with_1008(simulator):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, simulator)
        await ws.send_bytes(b'{"method":"LIST_SUBSCRIPTIONS","id":1}')
        message = await ws.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert message.data == 1008


async def test_more_than_ten_messages_a_second_is_a_disconnect(simulator):
    async with aiohttp.ClientSession() as http:
        ws = await _connect(http, simulator)
        for n in range(12):
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": n}))
        closes = [m async for m in ws if m.type == aiohttp.WSMsgType.CLOSE]
        assert ws.close_code == 1008 or closes


async def test_a_client_that_does_not_answer_pings_is_dropped():
    async with (
        Simulator(["binance"], step_interval_s=0.05, server_ping_interval_s=0.2) as sim,
        aiohttp.ClientSession() as http,
    ):
        ws = await _connect(http, sim, autoping=False)
        async with asyncio.timeout(5):
            while (await ws.receive()).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pass
        assert ws.closed
