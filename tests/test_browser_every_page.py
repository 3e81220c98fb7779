"""Every page a trader opens, in Debian's Chromium against `run_all --simulate`, at 1440×900 and
390×844: screenshots of each in test-artifacts/ (`page-<name>-desktop.png`, `-phone.png`), no
page scrolling sideways on a phone, and no number written the engine's way (a run of 28 digits,
`2316.640000000000`) anywhere, paper fills and history included. Then what each page adds:
the best net pair's size on the Prices page, rounded to the lot; the near-miss switch on one
line; the Feeds page's durations in words; the Paper page's prices at the tick and sizes in coins."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest
from playwright.async_api import Error as PlaywrightError

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_paper import EXCHANGES, FUND_ALL
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]

# A decimal written with more than 8 places, or an integer of 13 digits and more with no
# separators: neither is a price at its tick, a size at its lot or an amount of money.
RAW_NUMBER = re.compile(r"\d\.\d{9,}|(?<![\d,.])\d{13,}")
SIZE = r"-?[\d,]+(\.\d+)? [A-Z0-9]+"

PAGES = {
    "prices": "/",
    "opportunities": "/opportunities/",
    "near-misses": "/opportunities/?near_misses=on&near_miss_bps=50",
    "instrument": "/instruments/ETH/USDT:USDT/",
    "instrument-inverse": "/instruments/BTC/USD:BTC/",
    "funding": "/funding/",
    "replay": "/replay/",
    "paper": "/paper/",
    "feeds": "/feeds/",
    "alerts": "/accounts/alerts/",
    "settings": "/accounts/settings/",
    "admin": "/admin/",
    "api-docs": "/api/docs/",
}


async def _paper_fill(page, url: str) -> None:
    """One paper trade of ETH between two exchanges, so the Paper page has fills and positions."""
    await page.goto(url + "/paper/")
    for attempt in range(3):  # the single-process server answers 503 while its database is busy
        try:
            await page.evaluate(FUND_ALL, EXCHANGES)
            break
        except PlaywrightError as error:
            if "temporarily unavailable" not in str(error) or attempt == 2:
                raise
    for _ in range(3):  # the same key: a retry never fills twice
        answer = await page.evaluate(
            """async () => {
            const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const response = await fetch("/api/paper/executions", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({buy_exchange: "binance", sell_exchange: "okx",
                                      instrument: "ETH/USDT:USDT", size_base: "0.123456789",
                                      idempotency_key: "every-page"}),
            });
            return [response.status, await response.text()];
        }"""
        )
        if answer[0] != 503:
            break
    assert answer[0] in (200, 201), answer


async def test_every_page_at_both_sizes_writes_numbers_one_way(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(demo["url"] + "/accounts/login/")
    await save_screenshots(page, "page-login")
    await _log_in(page, demo)
    async with aiohttp.ClientSession() as http:  # an opportunity, so its table and history have rows
        response = await http.post(
            demo["sims"][sorted(demo["sims"])[1]] + "/_sim/divergence",
            data=json.dumps({"coin": "ETH", "bps": 90, "steps": 2000}),
        )
        assert response.status == 200
    await page.locator('#price-matrix tr[data-instrument="ETH/USDT:USDT"] td.net-spread small.size').wait_for(
        timeout=20_000
    )
    await _paper_fill(page, demo["url"])

    for name, path in PAGES.items():
        await page.set_viewport_size(VIEWPORTS["desktop"])
        await page.goto(demo["url"] + path)
        if await page.locator("#live-status").count():
            await page.wait_for_selector("#live-status[data-state=live]", timeout=20_000)
        if name == "instrument":  # its history has rows, and its chart the market's pairs
            await page.locator("table.history tbody tr:not(.empty)").first.wait_for(timeout=20_000)
            await page.wait_for_function(
                "() => Number(document.querySelector('#spread-chart').dataset.pairSeries) > 0", timeout=30_000
            )
        text = await page.locator("body").inner_text()
        assert not RAW_NUMBER.search(text), (name, RAW_NUMBER.search(text).group(0))
        await save_screenshots(page, f"page-{name}")
        await page.set_viewport_size(VIEWPORTS["phone"])
        # Once the page has answered the resize (its charts follow their box a frame later).
        width = await page.evaluate(
            """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(
                () => done(document.documentElement.scrollWidth))))"""
        )
        assert width <= VIEWPORTS["phone"]["width"], (name, width)
        if name == "instrument":  # the history's money in view on a phone
            profit = page.locator("table.instrument-history tbody tr td.profit").first
            assert (await profit.bounding_box())["x"] + (await profit.bounding_box())["width"] <= width
    await page.set_viewport_size(VIEWPORTS["desktop"])

    # Prices: the best net pair's size, what both tops of book hold, at the instrument's lot.
    await page.goto(demo["url"] + "/")
    size = page.locator('#price-matrix tr[data-instrument="ETH/USDT:USDT"] td.net-spread small.size')
    await size.wait_for(timeout=20_000)
    assert re.fullmatch(SIZE, await size.inner_text()), await size.inner_text()
    decimals = json.loads(await page.locator("#price-decimals").text_content())
    lot = decimals["size_instruments"]["ETH/USDT:USDT"]
    assert len((await size.inner_text()).split(" ")[0].partition(".")[2]) <= lot
    got = await page.evaluate("async () => (await import('/static/js/format.js')).formatSize('8.06699', 'ETH', 3)")
    assert got == "8.066 ETH"  # rounded down to the lot, as lib.numbers does

    # Opportunities: the near-miss switch, its distance and its words on one line.
    await page.goto(demo["url"] + "/opportunities/")
    box = await page.locator("fieldset.near-miss input[name=near_misses]").bounding_box()
    bps = await page.locator("fieldset.near-miss input[name=near_miss_bps]").bounding_box()
    assert box["width"] < 40 and abs(box["y"] + box["height"] / 2 - (bps["y"] + bps["height"] / 2)) < 8
    # Min profit and min size filter the live table: the ETH gap's group leaves above its own figures.
    group = page.locator('#opportunity-table tbody.group[data-group="ETH/USD"]:not(.closing)')
    await group.wait_for(timeout=20_000)
    for field in ("min_profit_quote", "min_size_base"):
        await page.fill(f"#opportunity-filters input[name={field}]", "1000000000")
        await page.locator(f"#opportunity-filters input[name={field}]").dispatch_event("change")
        await page.locator("#opportunity-table tr.empty:not([hidden])").wait_for(timeout=10_000)
        assert await group.count() == 0
        await page.fill(f"#opportunity-filters input[name={field}]", "")
        await page.locator(f"#opportunity-filters input[name={field}]").dispatch_event("change")
        await group.wait_for(timeout=20_000)
    # Filters open where there is room and folded on a phone, from the start or once narrowed.
    assert await page.locator("#filters-box").get_attribute("open") is not None
    await page.set_viewport_size(VIEWPORTS["phone"])
    await page.wait_for_function("() => !document.getElementById('filters-box').open", timeout=5_000)
    phone = await browser.new_page(viewport=VIEWPORTS["phone"])
    await _log_in(phone, demo)
    await phone.goto(demo["url"] + "/opportunities/")
    await phone.wait_for_selector("#live-status[data-state=live]", timeout=20_000)
    assert await phone.locator("#filters-box").get_attribute("open") is None
    assert await phone.locator("#opportunity-filters").is_hidden()
    await phone.close()
    await page.set_viewport_size(VIEWPORTS["desktop"])
    # Near misses on a phone: the distance to breaking even, the net and the size in view first.
    await page.goto(demo["url"] + "/opportunities/?near_misses=on&near_miss_bps=50")
    await page.set_viewport_size(VIEWPORTS["phone"])
    first = page.locator("#near-misses table.near-misses tbody tr:not(.empty)").first
    await first.wait_for(timeout=20_000)
    rights = await first.evaluate(
        "(tr) => ['td.to-break-even', 'td.net', 'td.size']"
        ".map((c) => tr.querySelector(c).getBoundingClientRect().right)"
    )
    assert 0 < rights[0] < rights[1] < rights[2] <= VIEWPORTS["phone"]["width"], rights
    await page.set_viewport_size(VIEWPORTS["desktop"])
    # A table with nothing to show says so in a line that wraps on a phone, not cut off.
    await page.goto(demo["url"] + "/opportunities/?min_net_spread_pct=90")
    await page.set_viewport_size(VIEWPORTS["phone"])
    empty = page.locator("#opportunity-table tr.empty td")
    assert await empty.evaluate("(td) => td.getBoundingClientRect().right") <= VIEWPORTS["phone"]["width"]
    await page.set_viewport_size(VIEWPORTS["desktop"])

    # Feeds: how long each has been connected, in words.
    await page.goto(demo["url"] + "/feeds/")
    connected = await page.locator('#feed-status tr[data-exchange="binance"] td.connected-for').inner_text()
    assert re.fullmatch(r"\d+\.\d s|\d+ min \d+ s", connected), connected

    # Settings: a bot's token, shown once, then listed and revocable, on a phone too.
    await page.set_viewport_size(VIEWPORTS["phone"])
    await page.goto(demo["url"] + "/accounts/settings/")
    await page.locator("#api-tokens button", has_text="New token for a bot").click()
    refresh = page.locator("#api-tokens textarea[name=issued-refresh]")
    await refresh.wait_for(timeout=10_000)
    assert (await refresh.input_value()).count(".") == 2  # a JWT
    await page.locator("#api-tokens button", has_text="Revoke").first.wait_for()
    await save_screenshots(page, "page-settings-api-token")
    # Alerts: a webhook on this machine is refused, saying how an operator allows it.
    await page.goto(demo["url"] + "/accounts/alerts/")
    await page.fill("#rule-create input[name=name]", "local bot")
    await page.fill("#rule-create input[name=webhook_url]", "http://127.0.0.1:9/hook")
    await page.click("#rule-create button[type=submit]")
    await page.locator("#rule-create", has_text="ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS=1").wait_for(timeout=10_000)
    await save_screenshots(page, "page-alerts-private-webhook")
    await page.set_viewport_size(VIEWPORTS["desktop"])

    # Paper: prices at the instrument's tick, sizes in coins at the lot (0.123456789 asked).
    await page.goto(demo["url"] + "/paper/")
    sizes = await page.locator("#paper-fills td.size").all_inner_texts()
    prices = await page.locator("#paper-fills td.price").all_inner_texts()
    assert sizes and all(re.fullmatch(r"0\.12\d* ETH", s) for s in sizes), sizes
    assert all(re.fullmatch(r"[\d,]+\.\d{2}", p) for p in prices), prices

    # Instrument: its history follows opportunities as they open, with no reload.
    await page.goto(demo["url"] + "/instruments/SOL/USDT:USDT/")
    await page.wait_for_selector("#live-status[data-state=live]", timeout=20_000)
    before = await page.locator("#instrument-history tbody tr:not(.empty)").count()
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            demo["sims"][sorted(demo["sims"])[1]] + "/_sim/divergence",
            data=json.dumps({"coin": "SOL", "bps": 90, "steps": 400}),
        )
        assert response.status == 200
    await page.wait_for_function(
        f"() => document.querySelectorAll('#instrument-history tbody tr:not(.empty)').length > {before}",
        timeout=30_000,
    )
    profit = await page.locator("#instrument-history td.profit").first.inner_text()
    # The life's best depth walk, or its top-of-book peak, marked, where its books were never known.
    assert re.fullmatch(r"-?[\d,]+\.\d\d USDT(\s+top of book)?", profit), profit
    assert errors == []
