"""The scale-out path for real: simulator, feed worker, engine and daphne as separate processes
over Redis and PostgreSQL, and a logged-in WebSocket client that sees a simulated tick."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from django.db import connection

from tests.processes import free_port, manage, start

DAPHNE = str(Path(sys.executable).with_name("daphne"))

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


async def test_tick_travels_from_simulator_through_redis_to_a_browser(redis_url, postgres_url, alice, login_cookie):
    # The child processes use the test database this test's user and session live in.
    test_db = connection.settings_dict["NAME"]
    database_url = postgres_url.rsplit("/", 1)[0] + f"/{test_db}"
    env = {"REDIS_URL": redis_url, "REDIS_PREFIX": settings.REDIS_PREFIX, "DATABASE_URL": database_url}
    cookie = (await login_cookie(alice)).decode()

    children = []
    try:
        simulator = await start("simulator", manage("simulate_exchanges", "--exchange", "binance", "--port", "0"), env)
        children.append(simulator)
        ws_url = (await simulator.wait_for_line(r"ARBSITE_BINANCE_WS_URL=(\S+)", 30))[1]
        rest_url = (await simulator.wait_for_line(r"ARBSITE_BINANCE_REST_URL=(\S+)", 5))[1]
        simulator.drain()
        feed_env = {**env, "ARBSITE_BINANCE_WS_URL": ws_url, "ARBSITE_BINANCE_REST_URL": rest_url}
        port = free_port()
        for name, args, child_env in (
            ("run_feeds", manage("run_feeds", "--exchange", "binance"), feed_env),
            ("run_arbitrage", manage("run_arbitrage"), env),
            ("daphne", [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "arbsite.asgi:application"], env),
        ):
            children.append(await start(name, args, child_env))
        daphne = children[-1]
        await daphne.wait_for_line(r"Listening on TCP address", 30)
        for child in children[1:]:
            child.drain()

        async with asyncio.timeout(60):
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws", additional_headers={"Cookie": cookie}, origin=f"http://127.0.0.1:{port}"
            ) as ws:
                # Every listed perpetual is watched, inverse COIN-M ones too: wait for a USDT one.
                async for raw in ws:
                    message = json.loads(raw)
                    linear = [q for q in message.get("data", []) if q["instrument"].endswith("/USDT:USDT")]
                    if message["type"] == "price_update" and linear:
                        break
        quote = linear[0]
        assert quote["exchange"] == "binance"
        assert quote["symbol"].endswith("USDT")
        assert float(quote["bid"]) < float(quote["ask"])
    except BaseException:
        for child in children:
            print(f"--- {child.name} ---", *child.output[-30:], sep="\n")
        raise
    finally:
        for child in children:
            await child.stop()
