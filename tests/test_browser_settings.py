"""The Settings page's fees and defaults in the browser against `run_all --simulate`: at a
phone's width nothing scrolls sideways; a fee saved over HTMX is the user's from then on (the
API's own figures follow)."""

from __future__ import annotations

import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]


async def test_fees_and_defaults_at_a_phones_width(demo, browser):
    context = await browser.new_context(viewport=VIEWPORTS["phone"])
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/accounts/settings/")
    form = page.locator("#trading-settings")
    await form.wait_for()
    assert await page.locator("#trading-settings tr[data-exchange]").count() == 11
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    # Each fee's admin default is shown beside the field.
    assert await page.get_attribute("input[name=taker_binance]", "placeholder") == "0.05"

    await page.fill("input[name=taker_binance]", "0.02")
    await page.fill("input[name=holding_h]", "24")
    await page.click("#trading-settings button[type=submit]")
    await page.locator("#trading-settings .saved").wait_for(timeout=10_000)
    await page.reload()
    assert await page.input_value("input[name=taker_binance]") == "0.02"
    assert await page.input_value("input[name=holding_h]") == "24"

    # A fee out of bounds is refused beside its field; what was typed stays.
    await page.fill("input[name=taker_bybit]", "2")
    await page.click("#trading-settings button[type=submit]")
    await page.locator('#trading-settings tr[data-exchange="bybit"] .error').wait_for(timeout=10_000)
    assert await page.input_value("input[name=taker_bybit]") == "2"
    await save_screenshots(page, "settings-fees")

    # The API, logged in with the same session, answers at her fees.
    body = await page.evaluate("() => fetch('/api/settings').then((r) => r.json())")
    assert body["fees"]["binance"]["effective_taker_fee_pct"] == "0.02000" and body["holding_h"] == 24
    assert errors == []
    await context.close()
