"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.chromium import CHROMIUM, LAUNCH_ARGS


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        await browser.close()
