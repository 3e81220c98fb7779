"""More of the trader's pages in the browser against `run_all --simulate`: the near-miss view
of the Opportunities page, refreshed on its own while the live table keeps running.
Screenshots at desktop and phone sizes land in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]


async def test_near_misses_toggle(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/opportunities/")
    await page.wait_for_selector("#live-status[data-state=live]")
    assert await page.locator("#near-misses").is_hidden()

    await page.fill("input[name=near_miss_bps]", "100")
    await page.check("input[name=near_misses]")
    rows = page.locator("#near-misses table.near-misses tbody tr:not(.empty)")
    await rows.first.wait_for(timeout=20_000)
    distances = await page.locator("#near-misses td.to-break-even").all_inner_texts()
    values = [float(re.fullmatch(r"(\d+\.\d\d) bps", text).group(1)) for text in distances]
    assert values == sorted(values) and all(0 <= value <= 100 for value in values)
    assert "near_misses=on" in page.url  # the toggle is in the address, so a reload keeps it

    # It refreshes by itself, and the live table above is left alone meanwhile.
    first = await page.locator("#near-misses").evaluate("(el) => (el.dataset.seen = '1')")
    assert first == "1"
    await page.wait_for_function("() => !document.querySelector('#near-misses').dataset.seen", timeout=10_000)
    assert await page.locator("#opportunity-table table.opportunities").count() == 1
    await save_screenshots(page, "opportunities-near-misses")

    await page.uncheck("input[name=near_misses]")
    await page.locator("#near-misses").wait_for(state="hidden", timeout=10_000)
    assert errors == []
