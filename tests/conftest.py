"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.chromium import CHROMIUM, LAUNCH_ARGS
from tests.processes import free_port, manage, start


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        await browser.close()


async def _run_all(tmp_path, env: dict[str, str], arguments: list[str], simulators: int):
    """`run_all --simulate` on a free port, with embedded storage: its URL, the first admin's
    login and the simulators' addresses, until the test ends."""
    port = free_port()
    env = {"ARBSITE_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "", **env}
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port), *arguments), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        found = {}
        while len(found) < simulators:
            line = await child.wait_for_line(r"Simulated (\w+): (\S+) ", timeout_s=30)
            found[line[1]] = line[2]
        child.drain()
        yield {
            "url": f"http://127.0.0.1:{port}",
            "user": credentials[1],
            "password": credentials[2],
            "sims": found,
        }
    finally:
        await child.stop()


@pytest.fixture
async def demo(tmp_path):
    """`run_all --simulate` on a free port: its URL, the first admin's login and the simulators."""
    # The majors only: every perpetual of 11 simulated exchanges (the default) takes most of a
    # core in this one process, beside Chromium on a shared machine; the pages under test
    # show the majors (tests/test_universe_default.py covers the default).
    env = {"ARBSITE_INSTRUMENTS": ",".join(settings.MAJOR_INSTRUMENTS)}
    async for running in _run_all(tmp_path, env, [], simulators=2):
        yield running


UNIVERSE_DEMO_COINS = 20  # generated coins beyond the majors
UNIVERSE_DEMO_SEED = 7  # the same coins on the same exchanges every run (feeds.simulator.universe)


@pytest.fixture
async def universe_demo(tmp_path, monkeypatch):
    """`run_all --simulate` with every listed perpetual watched (the default), on Binance alone
    and a universe of UNIVERSE_DEMO_COINS generated coins seeded UNIVERSE_DEMO_SEED: a long tail
    a page can look for, light enough beside Chromium."""
    monkeypatch.delenv("ARBSITE_INSTRUMENTS", raising=False)  # the default, whatever the caller set
    arguments = ["--exchange", "binance", "--universe", str(UNIVERSE_DEMO_COINS), "--seed", str(UNIVERSE_DEMO_SEED)]
    async for running in _run_all(tmp_path, {}, arguments, simulators=1):
        yield running
