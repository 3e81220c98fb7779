"""The simulator as `run_all --simulate`'s child process: endpoints read from what it prints,
served while the context is open, and the child gone afterwards, or when its parent dies."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aiohttp
import pytest
from django.conf import settings

from feeds.exchanges.base import Endpoints
from feeds.simulator.process import read_endpoints, simulator_arguments, simulator_process

MANAGE_PY = settings.BASE_DIR / "manage.py"

PRINTED = [
    "Simulated exchanges are up. Point workers at them with:\n",
    "  ARBSITE_BINANCE_WS_URL=ws://127.0.0.1:4001/public/ws\n",
    "  ARBSITE_BINANCE_REST_URL=http://127.0.0.1:4001\n",
    "  ARBSITE_COINDCX_WS_URL=ws://127.0.0.1:4002/socket.io/\n",
    "  ARBSITE_COINDCX_REST_URL=http://127.0.0.1:4002\n",
]


def test_endpoints_are_read_once_every_exchange_has_both():
    assert read_endpoints(PRINTED[:4], ["binance", "coindcx"]) is None
    assert read_endpoints(PRINTED, ["binance", "coindcx"]) == {
        "binance": Endpoints(ws_url="ws://127.0.0.1:4001/public/ws", rest_url="http://127.0.0.1:4001"),
        "coindcx": Endpoints(ws_url="ws://127.0.0.1:4002/socket.io/", rest_url="http://127.0.0.1:4002"),
    }


def test_arguments_name_each_exchange_the_seed_and_the_universe():
    assert simulator_arguments(["okx", "mexc"], seed=7, universe=0) == [
        "--port",
        "0",
        "--universe",
        "0",
        "--until-stdin-closes",
        "--seed",
        "7",
        "--exchange",
        "okx",
        "--exchange",
        "mexc",
    ]
    assert "--seed" not in simulator_arguments(["okx"], seed=None, universe=300)


async def test_the_child_serves_while_open_and_is_gone_after():
    async with simulator_process(MANAGE_PY, ["binance"], seed=3, universe=0) as endpoints:
        assert set(endpoints) == {"binance"}
        url = f"{endpoints['binance'].rest_url}/fapi/v1/exchangeInfo"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            listed = {item["symbol"] for item in (await response.json())["symbols"]}
        assert "BTCUSDT" in listed
    # Stopped and waited for: nothing is left serving that address.
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"{endpoints['binance'].rest_url}/fapi/v1/exchangeInfo")


async def test_the_child_stops_when_its_standard_input_closes():
    """What a parent's death looks like to the child (the kernel closes the pipe)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(MANAGE_PY),
        "simulate_exchanges",
        *simulator_arguments(["binance"], seed=None, universe=0),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(60):
            while b"ARBSITE_BINANCE_REST_URL" not in await child.stdout.readline():
                pass
        child.stdin.close()
        async with asyncio.timeout(15):
            assert await child.wait() == 0
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
