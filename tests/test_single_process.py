"""`manage.py run_all --simulate`, as `make demo` starts it: one process, embedded storage."""

from __future__ import annotations

import asyncio
import json
import re
import signal

import aiohttp
import pytest
from django.conf import settings

from tests.processes import free_port, log_in, manage, open_feed, start

pytestmark = pytest.mark.e2e


async def test_demo_serves_live_simulated_quotes_to_a_logged_in_browser(tmp_path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The embedded mode: no DATABASE_URL, no REDIS_URL, a fresh data directory.
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance"), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        jobs = await child.wait_for_line(r"Periodic jobs \(in-process\): (.*)", timeout_s=10)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        child.drain()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            session_id = await log_in(http, base_url, credentials[1], credentials[2])
            page = await (await http.get(f"{base_url}/")).text()
            assert "SIMULATED DATA" in page
            assert 'id="price-matrix"' in page
            static = await http.get(f"{base_url}/static/js/dashboard.js")
            assert static.status == 200

        async with open_feed(port, base_url, session_id) as ws:
            async with asyncio.timeout(30):
                # Every listed perpetual is watched, inverse ones too: wait for a USDT one.
                async for raw in ws:
                    message = json.loads(raw)
                    linear = [q for q in message.get("data", []) if q["instrument"].endswith("/USDT:USDT")]
                    if message["type"] == "price_update" and linear:
                        break
        quote = linear[0]
        assert quote["exchange"] == "binance"
        assert quote["instrument"].endswith("/USDT:USDT")
        assert float(quote["bid"]) < float(quote["ask"])
    finally:
        await child.stop()
    # Beat's schedule runs in the process too (arbsite/tests/test_periodic_in_process.py).
    assert set(re.findall(r"([\w-]+) every", jobs[1])) == set(settings.CELERY_BEAT_SCHEDULE)


async def test_sigterm_while_serving_requests_ends_the_process_cleanly_within_seconds(tmp_path):
    """Requests in flight through sync middleware when SIGTERM comes: the process used to hang
    at exit on an asgiref thread waiting for the stopped loop."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance"), env)
    served, flowing, stopping = 0, asyncio.Event(), asyncio.Event()

    async def keep_asking(http: aiohttp.ClientSession) -> None:
        nonlocal served
        while not stopping.is_set():
            for path in ("/static/js/dashboard.js", "/health", "/accounts/login/"):
                try:
                    async with http.get(f"{base_url}{path}") as response:
                        await response.read()
                except aiohttp.ClientError:
                    return  # the server has gone
                served += 1
                if served >= 200:
                    flowing.set()

    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        child.drain()
        async with aiohttp.ClientSession() as http:
            clients = [asyncio.create_task(keep_asking(http)) for _ in range(16)]
            await asyncio.wait_for(flowing.wait(), 30)
            child.process.send_signal(signal.SIGTERM)
            stopped_at = asyncio.get_running_loop().time()
            try:
                returncode = await asyncio.wait_for(child.process.wait(), 10)
            finally:
                stopping.set()
                await asyncio.gather(*clients)
        took_s = asyncio.get_running_loop().time() - stopped_at
    finally:
        await child.stop()
    print(f"drill: SIGTERM after {served} requests; exited {returncode} in {took_s:.1f} s")
    assert returncode == 0
    assert took_s < 8, took_s
    assert not [line for line in child.output if "exiting anyway" in line]  # clean, not cut short
