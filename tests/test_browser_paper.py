"""Paper trading in Debian's Chromium against `run_all --simulate`: an opportunity row's
"Paper trade" opens its ticket, a fill (or the reason there is none) shows in place, and the
Paper page draws the equity curve. Screenshots land in test-artifacts/."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]

EXCHANGES = ["binance", "bitget", "bitmex", "bybit", "coindcx", "deribit", "gateio", "kucoin", "mexc", "okx", "phemex"]
FUND_ALL = """async (exchanges) => {
    const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    for (const exchange of exchanges) {
        for (const currency of ["USDT", "USDC"]) {
            const response = await fetch("/api/paper/wallets", {
                method: "PUT",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({exchange, currency, balance: "1000000"}),
            });
            if (!response.ok) throw new Error(await response.text());
        }
    }
}"""


async def test_a_row_is_paper_traded_in_its_ticket_and_the_paper_page_draws_equity(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/paper/")
    await page.evaluate(FUND_ALL, EXCHANGES)

    await page.goto(demo["url"] + "/opportunities/")
    await page.wait_for_selector("#live-status[data-state=live]")
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            demo["sims"][sorted(demo["sims"])[1]] + "/_sim/divergence",
            data=json.dumps({"coin": "ETH", "bps": 90, "steps": 400}),
        )
        assert response.status == 200
    head = page.locator('tbody.group[data-group="ETH/USD"]:not(.closing) tr.group-head')
    await head.wait_for(timeout=20_000)
    await head.locator("button.paper-trade").click()
    ticket = page.locator("dialog#paper-ticket[open]")
    await ticket.wait_for(timeout=10_000)
    size = await ticket.locator("input[name=size_base]").input_value()
    assert float(size) > 0
    await save_screenshots(page, "paper-ticket", full_page=False)
    submit = ticket.locator("button[type=submit]")
    if await submit.count():  # one instrument on both legs: fillable
        await ticket.locator("input[name=size_base]").fill("1")  # within the top of both books
        await submit.click()
        await ticket.locator(".paper-filled, .paper-refused").wait_for(timeout=10_000)
        await save_screenshots(page, "paper-ticket-result", full_page=False)
    await ticket.locator("button.close-ticket").click()
    assert await page.locator("dialog#paper-ticket[open]").count() == 0

    await page.goto(demo["url"] + "/paper/")
    if await page.locator("#paper-positions li.pair").count():  # the fill above: close its pair
        await save_screenshots(page, "paper-page-open")
        await page.locator("#paper-positions li.pair button").first.click()
        await page.locator("#paper-account p.notice, #paper-account p.error").wait_for(timeout=10_000)
    await page.locator("#record-equity").click()
    await page.locator("#equity-chart .uplot").wait_for(timeout=10_000)
    await save_screenshots(page, "paper-page")
    assert errors == []
