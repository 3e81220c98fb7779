"""The pages in a real browser (Debian's Chromium, headless, driven by Playwright) against
`run_all --simulate`: log in, watch the prices fill and change live, see an injected
opportunity open and close, log out. Screenshots of each page at desktop and phone widths
land in test-artifacts/."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots

pytestmark = [pytest.mark.e2e, needs_chromium]


async def test_a_trader_session_in_the_browser(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    await page.goto(demo["url"] + "/")
    assert "/accounts/login/" in page.url
    await save_screenshots(page, "login")
    await page.fill("input[name=username]", demo["user"])
    await page.fill("input[name=password]", demo["password"])
    await page.click("button[type=submit]")
    await page.wait_for_url(demo["url"] + "/")
    assert await page.is_visible(".banner-simulated")

    # The matrix fills from the simulator, then a cell changes with no reload.
    cell = page.locator('tr[data-instrument="BTC/USDT:USDT"] td[data-exchange="binance"] .bid')
    await cell.wait_for(timeout=20_000)
    first = await cell.text_content()
    await page.wait_for_function(
        """(first) => {
            const el = document.querySelector('tr[data-instrument="BTC/USDT:USDT"] td[data-exchange="binance"] .bid');
            return el && el.textContent !== first;
        }""",
        arg=first,
        timeout=20_000,
    )
    await page.wait_for_selector("#live-status[data-state=live]")
    await save_screenshots(page, "dashboard")

    # An injected divergence opens an opportunity on the live table; when it ends, it closes.
    await page.goto(demo["url"] + "/opportunities/")
    await page.wait_for_selector("#live-status[data-state=live]")
    sell_exchange = sorted(demo["sims"])[1]
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            demo["sims"][sell_exchange] + "/_sim/divergence", data=json.dumps({"coin": "ETH", "bps": 80, "steps": 40})
        )
        assert response.status == 200
    row = page.locator(f'table.opportunities tr[data-sell-exchange="{sell_exchange}"]').first
    await row.wait_for(timeout=20_000)
    await save_screenshots(page, "opportunities")
    await row.wait_for(state="detached", timeout=30_000)

    await page.goto(demo["url"] + "/feeds/")
    await page.wait_for_selector('tr[data-exchange="binance"][data-state="connected"]', timeout=20_000)
    await save_screenshots(page, "feeds")

    await page.goto(demo["url"] + "/instruments/ETH/USDT:USDT/")
    await page.wait_for_selector("#live-status[data-state=live]")
    await save_screenshots(page, "instrument")

    # An alert setting, created inline on the alerts page.
    await page.goto(demo["url"] + "/accounts/alerts/")
    await page.fill("#rule-create input[name=name]", "ETH gaps")
    await page.fill("#rule-create input[name=min_net_spread_pct]", "0.25")
    await page.fill("#rule-create input[name=instruments]", "ETH/USDT:USDT")
    await page.click("#rule-create button[type=submit]")
    await page.wait_for_selector('article.rule[data-rule="ETH gaps"]', timeout=10_000)
    await save_screenshots(page, "alerts")
    await page.goto(demo["url"] + "/accounts/settings/")
    await page.fill("input[name=instrument]", "ETH/USDT:USDT")
    await page.click("form.inline-form button[type=submit]")
    await page.wait_for_selector('#watchlist li[data-instrument="ETH/USDT:USDT"]', timeout=10_000)
    await save_screenshots(page, "settings")

    await page.click("text=Log out")
    await page.goto(demo["url"] + "/")
    assert "/accounts/login/" in page.url
