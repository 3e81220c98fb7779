"""More of the trader's pages in the browser against `run_all --simulate`: the near-miss view
of the Opportunities page, refreshed on its own while the live table keeps running; the
Prices page's best net spread per row and its best bid and ask; the Feeds page turning amber
when a feed goes silent, and showing the last error with its time.
Screenshots at desktop and phone sizes land in test-artifacts/."""

from __future__ import annotations

import json
import re

import aiohttp
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
    # The toggle is in the address, so a reload keeps it: pushed once its request has answered.
    await page.wait_for_url(re.compile(r".*near_misses=on.*"), timeout=10_000)

    # It refreshes by itself, and the live table above is left alone meanwhile.
    first = await page.locator("#near-misses").evaluate("(el) => (el.dataset.seen = '1')")
    assert first == "1"
    await page.wait_for_function("() => !document.querySelector('#near-misses').dataset.seen", timeout=10_000)
    assert await page.locator("#opportunity-table table.opportunities").count() == 1
    await save_screenshots(page, "opportunities-near-misses")

    await page.uncheck("input[name=near_misses]")
    await page.locator("#near-misses").wait_for(state="hidden", timeout=10_000)

    # "Open for" is never blank, even for a pair whose opening time is not known.
    open_for = await page.evaluate(
        """async () => {
            const { opportunityTable } = await import('/static/js/opportunities.js');
            const table = document.querySelector('#opportunity-table table').cloneNode(true);
            document.body.append(table);
            const live = opportunityTable(table);
            live.replace([{ id: 'y1', group: 'BTC/USD', buy_exchange: 'binance', sell_exchange: 'okx',
              buy_instrument: 'BTC/USDT:USDT', sell_instrument: 'BTC/USDT:USDT', buy_price: '100',
              sell_price: '101', gross_spread_pct: '1', net_spread_pct: '0.5', size_base: '1', profit_quote: '1' }]);
            const cells = table.querySelectorAll('tbody.group[data-group="BTC/USD"] td.open-for');
            const texts = [...cells].map((td) => td.textContent);
            table.remove();
            return texts;
        }"""
    )
    assert open_for == ["just opened", "just opened"]
    assert errors == []


async def test_prices_net_spread_and_best_quotes(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    row = page.locator('#price-matrix tr[data-instrument="BTC/USDT:USDT"]')
    await row.locator("td.best-bid .bid").wait_for(timeout=20_000)
    await row.locator("td.best-ask .ask").wait_for(timeout=20_000)
    await page.wait_for_function(
        """() => document.querySelector('tr[data-instrument="BTC/USDT:USDT"] td.net-spread small.route')
            ?.textContent.includes('→')""",
        timeout=20_000,
    )
    net = await row.locator("td.net-spread").inner_text()
    # ... and what both tops of book hold, the ask bought and the bid sold, in coins.
    assert re.fullmatch(r"-?\d+\.\d{3} %\s+-?\d+\.\d bps\s+\w+ → \w+\s+[\d,]+(\.\d+)? BTC", net.strip()), net

    # The same maths as the server's, on quotes of our own, in a copy of the table.
    shown = await page.evaluate(
        r"""async () => {
            const { priceMatrix } = await import('/static/js/matrix.js');
            const table = document.querySelector('#price-matrix').cloneNode(true);
            table.id = 'copy';
            table.tBodies[0].replaceChildren();
            for (const th of table.tHead.querySelectorAll('th[data-exchange]')) {
                th.dataset.takerFeePct = { binance: '0.05', bybit: '0.1' }[th.dataset.exchange] ?? '0.06';
            }
            document.body.append(table);
            const matrix = priceMatrix(table);
            const now = Date.now();
            const quote = (exchange, bid, ask, bid_size, ask_size) =>
                ({ exchange, instrument: 'ZZZ/USDT:USDT', bid, ask, bid_size, ask_size, ts_ms: now });
            matrix.update([quote('binance', '99.9', '100', '9', '2.25'), quote('bybit', '100.6', '100.7', '1.5', '9')]);
            await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
            const tr = table.querySelector('tr[data-instrument="ZZZ/USDT:USDT"]');
            const result = {
                net: tr.querySelector('td.net-spread').innerText.replace(/\s+/g, ' ').trim(),
                positive: tr.querySelector('td.net-spread').classList.contains('positive'),
                bestBid: tr.querySelector('td.best-bid').dataset.exchange,
                bestAsk: tr.querySelector('td.best-ask').dataset.exchange,
            };
            table.remove();
            return result;
        }"""
    )
    # (100.6 × 0.999 − 100 × 1.0005) / 100 × 100, as arbitrage.pages.best_net_spread counts it
    assert shown == {
        "net": "0.449 % 44.9 bps binance → bybit 1.5 ZZZ",  # bybit's bid holds less than binance's ask
        "positive": True,
        "bestBid": "bybit",
        "bestAsk": "binance",
    }
    await save_screenshots(page, "prices-net-spread", full_page=False)
    assert errors == []


async def _faults(demo, exchange: str, **faults) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.post(demo["sims"][exchange] + "/_sim/faults", data=json.dumps(faults))
        assert response.status == 200


async def test_feeds_amber_when_silent_and_the_last_error_with_its_time(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    await _log_in(page, demo)
    exchange = sorted(demo["sims"])[0]
    await page.goto(demo["url"] + "/feeds/")
    row = f'#feed-status tr[data-exchange="{exchange}"]'
    await page.wait_for_selector(f'{row}[data-freshness="fresh"]', timeout=20_000)

    await _faults(demo, exchange, stall=True)  # the socket stays open and nothing comes
    await page.wait_for_selector(f'{row}[data-freshness="silent"]', timeout=20_000)
    reason = await page.locator(f"{row} td.freshness-cell .reason").inner_text()
    assert re.fullmatch(r"no data for \d+ s", reason), reason
    await save_screenshots(page, "feeds-silent")

    await _faults(demo, exchange, stall=False, close_code=1011)  # the exchange closes on us
    await page.wait_for_selector(f"{row} td.error-text time", timeout=30_000)
    shown = await page.locator(f"{row} td.error-text time").inner_text()
    assert re.fullmatch(r"\d\d:\d\d:\d\d UTC, [\d.]+ (ms|s) ago", shown), shown
    assert (await page.locator(f"{row} td.error-text .error-message").inner_text()).strip()
    await page.wait_for_selector(f'{row}[data-freshness="fresh"]', timeout=30_000)
