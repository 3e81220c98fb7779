"""Fault drill: Redis, then PostgreSQL, killed under a running web process (daphne), each on a
server of the test's own. While one is down the API answers 503 with a JSON error and the pages
a plain 503 page, both with Retry-After; when it returns everything works again without a
restart, and the log says each outage once (gone, back), not once per request."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import psycopg
import pytest

from arbsite.outages import RETRY_AFTER_S, UNAVAILABLE_DETAIL
from tests.processes import free_port, log_in, manage, start

pytestmark = pytest.mark.e2e

DAPHNE = str(Path(sys.executable).with_name("daphne"))
USERNAME, PASSWORD = "drill", "drill-pass-1234"
REQUESTS_WHILE_DOWN = 5


async def run_to_completion(name: str, args: list[str], env: dict[str, str]) -> None:
    child = await start(name, args, env)
    output, _ = await asyncio.wait_for(child.process.communicate(), 180)
    assert child.process.returncode == 0, output.decode(errors="replace")[-3000:]


@pytest.fixture
def drill_env(redis_server, postgres_server, tmp_path) -> dict[str, str]:
    with psycopg.connect(postgres_server.url, autocommit=True) as connection:
        connection.execute("CREATE DATABASE arbsite")
    return {
        "DATABASE_URL": postgres_server.url_for("arbsite"),
        "REDIS_URL": redis_server.url,
        "REDIS_PREFIX": "drill",
        "ARBSITE_VAR_DIR": str(tmp_path),
        "DJANGO_SUPERUSER_USERNAME": USERNAME,
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "drill@example.com",
        # The fast path may answer from its in-process copies for 100 ms after Redis dies: not here.
        "ARBSITE_API_PRICES_CACHE_MS": "0",
        "ARBSITE_API_THROTTLE_SYNC_MS": "0",
    }


async def test_outages_answer_503_and_recover_by_themselves(redis_server, postgres_server, drill_env):
    await run_to_completion("migrate", manage("migrate", "--noinput"), drill_env)
    await run_to_completion("createsuperuser", manage("createsuperuser", "--noinput"), drill_env)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    daphne = await start("daphne", [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "arbsite.asgi:application"], drill_env)
    try:
        await daphne.wait_for_line(r"Listening on TCP address", 60)
        daphne.drain()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            tokens = await (
                await http.post(f"{base_url}/api/token/", json={"username": USERNAME, "password": PASSWORD})
            ).json()
            bearer = {"Authorization": f"Bearer {tokens['access']}"}
            await log_in(http, base_url, USERNAME, PASSWORD)

            async def api() -> aiohttp.ClientResponse:
                return await http.get(f"{base_url}/api/opportunities", headers=bearer)

            async def page() -> aiohttp.ClientResponse:
                return await http.get(f"{base_url}/")

            async def prices() -> aiohttp.ClientResponse:  # answered before Django while all is well
                return await http.get(f"{base_url}/api/prices", headers=bearer)

            assert (await api()).status == 200
            assert (await page()).status == 200
            assert (await prices()).status == 200
            for service in (redis_server, postgres_server):
                service.stop()
                for _ in range(REQUESTS_WHILE_DOWN):
                    answer = await api()
                    assert answer.status == 503, await answer.text()
                    assert await answer.json() == {"detail": UNAVAILABLE_DETAIL}
                    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
                    shown = await page()
                    assert shown.status == 503
                    assert "Temporarily unavailable" in await shown.text()
                    assert shown.headers["Retry-After"] == str(RETRY_AFTER_S)
                if service is redis_server:
                    answer = await prices()
                    assert answer.status == 503
                    assert await answer.json() == {"detail": UNAVAILABLE_DETAIL}
                service.start()
                # Back: the very next calls are served, with nothing restarted.
                assert (await api()).status == 200
                assert (await page()).status == 200
                assert (await prices()).status == 200
    except BaseException:
        print("--- daphne ---", *daphne.output[-60:], sep="\n")
        raise
    finally:
        await daphne.stop()

    log = "\n".join(daphne.output)
    assert log.count("Redis is unavailable") == 1
    assert log.count("Redis is available again") == 1
    assert log.count("the database is unavailable") == 1
    assert log.count("the database is available again") == 1
    assert "Internal Server Error" not in log and "Traceback" not in log
