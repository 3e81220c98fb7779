"""`manage.py run_all --simulate`, as `make demo` starts it: one process, embedded storage."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets

from tests.processes import free_port, log_in, manage, start

pytestmark = pytest.mark.e2e


async def test_demo_serves_live_simulated_quotes_to_a_logged_in_browser(tmp_path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The embedded mode: no DATABASE_URL, no REDIS_URL, a fresh data directory.
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance"), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        child.drain()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            session_id = await log_in(http, base_url, credentials[1], credentials[2])
            page = await (await http.get(f"{base_url}/")).text()
            assert "SIMULATED DATA" in page
            assert 'id="price-matrix"' in page
            static = await http.get(f"{base_url}/static/js/dashboard.js")
            assert static.status == 200

        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws",
            additional_headers={"Cookie": f"sessionid={session_id}"},
            origin=base_url,
            open_timeout=10,
        ) as ws:
            async with asyncio.timeout(30):
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "price_update":
                        break
        quote = message["data"][0]
        assert quote["exchange"] == "binance"
        assert quote["instrument"].endswith("/USDT:USDT")
        assert float(quote["bid"]) < float(quote["ask"])
    finally:
        await child.stop()
