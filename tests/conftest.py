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


@pytest.fixture
async def demo(tmp_path):
    """`run_all --simulate` on a free port: its URL, the first admin's login and the simulators."""
    port = free_port()
    env = {
        "ARBSITE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        # The majors only: every perpetual of 11 simulated exchanges (the default) takes most of a
        # core in this one process, beside Chromium on a shared machine; the pages under test
        # show the majors (tests/test_universe_default.py covers the default).
        "ARBSITE_INSTRUMENTS": ",".join(settings.MAJOR_INSTRUMENTS),
    }
    child = await start("run_all", manage("run_all", "--simulate", "--port", str(port)), env)
    try:
        await child.wait_for_line(r"Arbsite is running", timeout_s=60)
        credentials = await child.wait_for_line(r"Log in as: (\S+)\s+password: (\S+)", timeout_s=10)
        simulators = {}
        while len(simulators) < 2:
            found = await child.wait_for_line(r"Simulated (\w+): (\S+) ", timeout_s=30)
            simulators[found[1]] = found[2]
        child.drain()
        yield {
            "url": f"http://127.0.0.1:{port}",
            "user": credentials[1],
            "password": credentials[2],
            "sims": simulators,
        }
    finally:
        await child.stop()
