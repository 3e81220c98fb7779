"""The pages a trader reads, in Debian's Chromium against `run_all --simulate`: numbers written
one way (the browser's format.js agrees with lib.numbers), opportunities grouped per market
event, sortable and replaced by a snapshot, the instrument page keeping to its instrument with
a uPlot chart, and alert toasts that never cover the table on a phone. Screenshots at desktop
and phone sizes land in test-artifacts/."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest

from lib import numbers
from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots

pytestmark = [pytest.mark.e2e, needs_chromium]

SAMPLES = [
    ("formatPrice", ["43250.1", 1], numbers.format_price("43250.1", 1)),
    ("formatPrice", ["2316.640000000000"], numbers.format_price("2316.640000000000")),
    (
        "formatSize",
        ["0.0123456789012345678901234567", "BTC"],
        numbers.format_size("0.0123456789012345678901234567", "BTC"),
    ),
    ("formatSize", ["12345.678", "DOGE"], numbers.format_size("12345.678", "DOGE")),
    ("formatSize", ["8.06699", "ETH", 3], numbers.format_size("8.06699", "ETH", 3)),  # down to the lot
    ("formatSize", ["12345.678", "DOGE", 0], numbers.format_size("12345.678", "DOGE", 0)),
    ("formatSize", ["0.0004", "BTC", 3], numbers.format_size("0.0004", "BTC", 3)),
    ("formatPct", ["0.123456"], numbers.format_pct("0.123456")),
    ("formatPct", ["-0.0001"], numbers.format_pct("-0.0001")),
    ("formatBps", ["0.123456"], numbers.format_bps("0.123456")),
    ("formatMoney", ["157.523456", "USDT"], numbers.format_money("157.523456", "USDT")),
    ("formatDuration", [192_000], numbers.format_duration(192_000)),
    ("formatDuration", [7_500_000], numbers.format_duration(7_500_000)),
]


async def _log_in(page, demo) -> None:
    await page.goto(demo["url"] + "/accounts/login/")
    await page.fill("input[name=username]", demo["user"])
    await page.fill("input[name=password]", demo["password"])
    await page.click("button[type=submit]")
    await page.wait_for_url(demo["url"] + "/")


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


async def test_numbers_groups_instrument_page_and_toasts(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)

    # Prices: BTC at its tick (0.1) with thousands separators; spreads in % and bps.
    bid = page.locator('tr[data-instrument="BTC/USDT:USDT"] td[data-exchange="binance"] .bid')
    await bid.wait_for(timeout=20_000)
    await page.wait_for_function(
        """() => /^\\d{1,3}(,\\d{3})+\\.\\d$/.test(document.querySelector(
            'tr[data-instrument="BTC/USDT:USDT"] td[data-exchange="binance"] .bid').textContent)""",
        timeout=10_000,
    )
    spread = await page.locator('tr[data-instrument="BTC/USDT:USDT"] td.spread').inner_text()
    assert re.fullmatch(r"-?\d+\.\d{3} %\s+-?\d+\.\d bps", spread.strip()), spread
    for name, args, expected in SAMPLES:
        got = await page.evaluate(
            "async ([name, args]) => (await import('/static/js/format.js'))[name](...args)", [name, args]
        )
        assert got == expected, (name, args)
    await save_screenshots(page, "trader-prices")

    # Opportunities: a divergence on one exchange is one ETH/USD group of many pairs.
    await page.goto(demo["url"] + "/opportunities/")
    await page.wait_for_selector("#live-status[data-state=live]")
    sell_exchange = sorted(demo["sims"])[1]
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            demo["sims"][sell_exchange] + "/_sim/divergence", data=json.dumps({"coin": "ETH", "bps": 90, "steps": 400})
        )
        assert response.status == 200
    group = page.locator('tbody.group[data-group="ETH/USD"]:not(.closing)')
    await group.wait_for(timeout=20_000)
    await page.wait_for_function(
        """() => document.querySelectorAll('tbody.group[data-group="ETH/USD"] tr.pair').length > 1""",
        timeout=20_000,
    )
    assert await page.locator('tbody.group[data-group="ETH/USD"]').count() == 1
    head = group.locator("tr.group-head")
    assert re.fullmatch(r"\d+ pairs", await head.locator(".pairs").inner_text())
    assert await group.locator("tr.pair:visible").count() == 0
    # The depth walk's size (with its slippage) and profit, or the top of book's, labelled so,
    # until both books are known.
    size = await head.locator("td.size").inner_text()
    assert re.fullmatch(r"[\d,]+(\.\d{1,8})? ETH(\+?\s+slip -?[\d.]+ % / -?[\d.]+ %)?", size), size
    assert len(size.split()[0]) < 12  # never the engine's 28 digits
    profit = await head.locator("td.profit").inner_text()
    assert re.fullmatch(r"[\d,]+\.\d\d USD[TC]?(\s+top of book)?", profit), profit
    assert (await head.locator("td.open-for").inner_text()).strip() != ""
    await head.locator("button.expand").click()
    assert await group.locator("tr.pair:visible").count() > 1
    pair_open_for = await group.locator("tr.pair td.open-for").all_inner_texts()
    assert all(text.strip() for text in pair_open_for)

    # Sorting: Size, largest first, then smallest first on a second click.
    size_heading = page.locator('table.opportunities th[data-sort="size"]')
    await size_heading.locator("button").click()
    assert await size_heading.get_attribute("aria-sort") == "descending"
    await size_heading.locator("button").click()
    assert await size_heading.get_attribute("aria-sort") == "ascending"
    # Live updates keep arriving and re-sort once per frame: the rows must settle smallest first
    # (a pair that closed meanwhile fades at the end of its group, outside the order).
    await page.wait_for_function(
        """() => {
            const rows = [...document.querySelectorAll('tbody.group[data-group="ETH/USD"] tr.pair:not(.closing)')];
            const size = (tr) => Number(tr.querySelector('td.size').textContent.split(' ')[0].replaceAll(',', ''));
            const sizes = rows.map(size);
            return sizes.length > 1 && sizes.every((size, i) => i === 0 || sizes[i - 1] <= size);
        }""",
        timeout=10_000,
    )

    # Toasts: three alerts of one market are one toast; it can be dismissed.
    alert = {"kind": "opportunity", "title": "ETH/USD gap", "text": "0.7 %", "opportunity": {"group": "ETH/USD"}}
    for _ in range(3):
        await page.evaluate("async (a) => (await import('/static/js/toasts.js')).showToast(a)", alert)
    toast = page.locator('#toasts .toast[data-key="group:ETH/USD"]')
    assert await toast.count() == 1
    assert await toast.locator(".count").inner_text() == "3 alerts for this market"
    await save_screenshots(page, "trader-opportunities", full_page=False)
    # On a phone the toasts take their own place above the content: the table stays clear.
    await page.set_viewport_size(VIEWPORTS["phone"])
    # ... and the money is in view without scrolling sideways: net and profit next to the market.
    # (Read at once from one head row: live updates may replace rows between two reads.)
    net_right, profit_right, gross_width = await page.evaluate(
        """() => {
            const head = document.querySelector('table.opportunities tbody.group tr.group-head');
            return ['td.net', 'td.profit', 'td.gross'].map((cell) => head.querySelector(cell).getBoundingClientRect())
                .map((box, i) => (i < 2 ? box.right : box.width));
        }"""
    )
    assert 0 < net_right < profit_right <= VIEWPORTS["phone"]["width"]
    assert gross_width == 0  # gives way on a phone
    toasts_box = await page.locator("#toasts").bounding_box()
    table_box = await page.locator("#opportunity-table").bounding_box()
    assert not _overlap(toasts_box, table_box)
    await page.set_viewport_size(VIEWPORTS["desktop"])
    await toast.locator("button.dismiss").click()
    await toast.wait_for(state="detached", timeout=5_000)

    # A snapshot replaces the set: a pair it does not hold leaves at once.
    removed = await page.evaluate(
        """async () => {
            const { opportunityTable } = await import('/static/js/opportunities.js');
            const table = document.querySelector('#opportunity-table table').cloneNode(true);
            table.id = 'replay';
            document.body.append(table);
            const live = opportunityTable(table);
            const base = { group: 'BTC/USD', buy_exchange: 'binance', sell_exchange: 'okx',
              buy_instrument: 'BTC/USDT:USDT', sell_instrument: 'BTC/USDT:USDT', buy_price: '100', sell_price: '101',
              gross_spread_pct: '1', size_base: '1', profit_quote: '1', opened_ms: Date.now() };
            live.replace([{ ...base, id: 'x1', net_spread_pct: '0.5' }, { ...base, id: 'x2', net_spread_pct: '0.4' }]);
            const before = table.querySelectorAll('tr.pair[data-id^="x"]').length;
            live.replace([{ ...base, id: 'x1', net_spread_pct: '0.5' }]);
            const after = [...table.querySelectorAll('tr.pair[data-id^="x"]')].map((tr) => tr.dataset.id);
            table.remove();
            return { before, after };
        }"""
    )
    assert removed == {"before": 2, "after": ["x1"]}

    # Live rows show the depth walk where both books are known, and sort and filter on it.
    shown = await page.evaluate(
        """async () => {
            const { opportunityTable } = await import('/static/js/opportunities.js');
            const table = document.querySelector('#opportunity-table table').cloneNode(true);
            table.dataset.minProfit = '100';
            document.body.append(table);
            const live = opportunityTable(table);
            const base = { group: 'BTC/USD', buy_exchange: 'binance', sell_exchange: 'okx',
              buy_instrument: 'BTC/USDT:USDT', sell_instrument: 'BTC/USDT:USDT',
              buy_price: '43001', sell_price: '43200', gross_spread_pct: '0.46', net_spread_pct: '0.36',
              size_base: '34', profit_quote: '570', opened_ms: Date.now() };
            const depth = { size_base: '1.5', avg_buy_price: '43017.333333', avg_sell_price: '43166.666667',
              buy_slippage_pct: '0.037983', sell_slippage_pct: '0.077160', net_spread_pct: '0.247044',
              profit_quote: '159.362', books_exhausted: true };
            const thin = { ...base, id: 'd2', group: 'ETH/USD', depth: null, profit_quote: '99' };
            live.replace([{ ...base, id: 'd1', depth }, thin]);
            const size = table.querySelector('tr.group-head[data-id="d1"] td.size');
            const result = {
              profit: table.querySelector('tr.group-head[data-id="d1"] td.profit').textContent,
              size: size.textContent,
              title: size.title,
              filteredOut: !table.querySelector('tr[data-id="d2"]'),
            };
            table.remove();
            return result;
        }"""
    )
    assert shown["profit"] == "159.36 USDT"
    assert re.fullmatch(r"1\.50* BTC\+ slip 0\.038 % / 0\.077 %", shown["size"]), shown["size"]
    assert shown["title"].startswith("Walking both books: average buy 43,017.3")
    assert shown["filteredOut"]  # 99 at the top of book, under the minimum of 100

    # The instrument page: its own instrument only, a column for each exchange listing it
    # (Deribit lists the inverse BTC/USD:BTC), history durations in words, a uPlot chart.
    await page.goto(demo["url"] + "/instruments/BTC/USD:BTC/")
    await page.wait_for_selector("#live-status[data-state=live]", timeout=20_000)
    assert await page.locator('#price-matrix th[data-exchange="deribit"]').count() == 1
    await page.locator('#price-matrix td[data-exchange="deribit"] .bid').wait_for(timeout=20_000)
    shown = await page.eval_on_selector_all(
        "#price-matrix tbody tr[data-instrument]", "rows => rows.map(r => r.dataset.instrument)"
    )
    assert shown == ["BTC/USD:BTC"]
    await page.goto(demo["url"] + "/instruments/ETH/USDT:USDT/")
    await page.locator("#spread-chart .uplot canvas").wait_for(timeout=30_000)
    shown = await page.eval_on_selector_all(
        "#price-matrix tbody tr[data-instrument]", "rows => rows.map(r => r.dataset.instrument)"
    )
    assert shown == ["ETH/USDT:USDT"]
    lasted = await page.locator("table.history td.lasted").all_inner_texts()
    assert lasted and all(
        re.fullmatch(r"open|\d+ ms|\d+\.\d s|\d+ min \d+ s|\d+ h \d+ min|\d+ d \d+ h", t) for t in lasted
    )
    await save_screenshots(page, "trader-instrument")
    assert errors == []
