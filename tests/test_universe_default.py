"""The default configuration watches every listed perpetual: a generated coin of the simulator's
universe is quoted by the feed worker and served over REST, while a page's /ws connection (the
majors' quotes and every opportunity) receives none of its quotes. `manage.py run_all
--simulate`, one process, embedded storage, one exchange."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import aiohttp
import pytest
from django.conf import settings

from tests.processes import free_port, log_in, manage, open_feed, start

pytestmark = pytest.mark.e2e

MAJORS = frozenset(settings.MAJOR_INSTRUMENTS)
MAJOR_COINS = frozenset(instrument.split("/")[0] for instrument in MAJORS)


async def _generated_instrument(port: int, base_url: str, session_id: str) -> str:
    """A quoted instrument of a generated coin (none of the majors' coins): the first one a /ws
    connection that subscribes to nothing in particular (so it gets every quote) is sent."""
    async with open_feed(port, base_url, session_id) as ws:
        async with asyncio.timeout(60):
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] in ("snapshot", "price_update"):
                    quoted = sorted(q["instrument"] for q in message["data"] if q["exchange"] == "binance")
                    generated = [i for i in quoted if i.split("/")[0] not in MAJOR_COINS]
                    if generated:
                        return generated[0]
    raise AssertionError("the connection closed before a generated coin was quoted")


async def _quoted_ms(http: aiohttp.ClientSession, base_url: str, instrument: str) -> int:
    path = instrument.replace("/", "-").replace(":", "-")
    response = await http.get(f"{base_url}/api/prices/{path}")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["symbol"] == instrument
    return body["prices"]["binance"]["ts_ms"]


async def test_every_perpetual_is_watched_by_default_but_a_page_gets_only_its_quotes(tmp_path, monkeypatch):
    monkeypatch.delenv("ARBSITE_INSTRUMENTS", raising=False)  # the default, whatever the caller set
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), "--exchange", "binance"), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        child.drain()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            session_id = await log_in(http, base_url, credentials[1], credentials[2])
            generated = await _generated_instrument(port, base_url, session_id)
            first_quoted_ms = await _quoted_ms(http, base_url, generated)

            # As a page subscribes (static/js/feed.js): in the URL, before the first snapshot.
            query = urlencode({"instruments": ",".join(sorted(MAJORS)), "opportunities": "all"})
            async with open_feed(port, base_url, session_id, f"?{query}") as ws:
                seen: set[str] = set()
                subscribed = False  # the answer comes first, then the snapshot
                updates_after_requote = None
                async with asyncio.timeout(60):
                    async for raw in ws:
                        message = json.loads(raw)
                        if message["type"] == "subscribed":
                            assert message["opportunities"] == "all"
                            subscribed = True
                        assert subscribed, message["type"]
                        if message["type"] in ("snapshot", "price_update"):
                            seen |= {quote["instrument"] for quote in message["data"]}
                        if message["type"] != "price_update":
                            continue
                        # Watch until the generated coin has been quoted again since this
                        # connection subscribed, and a few updates have left after that.
                        if updates_after_requote is None:
                            if await _quoted_ms(http, base_url, generated) > first_quoted_ms:
                                updates_after_requote = 0
                        else:
                            updates_after_requote += 1
                            if updates_after_requote >= 5:
                                break
                assert seen and seen <= MAJORS
                assert generated not in seen
    finally:
        await child.stop()
