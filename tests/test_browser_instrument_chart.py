"""The instrument page's chart in Debian's Chromium against `run_all --simulate`: the best net
spread, the net spread of the market's best exchange pairs and, on a second axis, each
exchange's funding rate of the instrument in % per day from the funding the engine keeps, all
kept live by the page's refresh."""

from __future__ import annotations

import pytest

from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]


async def test_pair_and_funding_lines_beside_the_net_spread_live(demo, browser):
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/instruments/ETH/USDT:USDT/")
    await page.wait_for_selector("#live-status[data-state=live]", timeout=20_000)

    # The simulated exchanges state funding: a reload is needed only if the engine had none yet.
    chart = page.locator("#spread-chart")
    embedded = "() => JSON.parse(document.getElementById('spread-chart-data').textContent)"
    served = await page.evaluate(embedded)
    if len(served["funding"]) < 2:
        await page.wait_for_function(
            "() => fetch(location.pathname + '?part=chart').then(r => r.json()).then(j => j.funding.length > 1)",
            polling=1000,
            timeout=30_000,
        )
        await page.reload()
        served = await page.evaluate(embedded)
    await page.locator("#spread-chart .uplot canvas").wait_for(timeout=30_000)
    count = len(served["funding"])
    assert count >= 2
    await page.wait_for_function(f"() => document.querySelector('#spread-chart').dataset.fundingSeries === '{count}'")

    # One legend entry per exchange's funding, in %/day, and a second (right) axis for them.
    legend = await page.locator("#spread-chart .u-legend .u-series .u-label").all_inner_texts()
    assert legend[1] == "Best net spread"
    assert [label for label in legend if label.endswith(" funding")] == [
        f"{s['exchange']} funding" for s in served["funding"]
    ]
    assert await page.locator("#spread-chart .u-axis").count() == 3  # time, net spread %, funding %/day

    # Live: the next refresh adds samples without a reload, and the market's best pairs (which
    # the engine samples once a page charts the market) come in as lines of their own.
    before = int(await chart.get_attribute("data-samples"))
    await page.wait_for_function(
        f"() => Number(document.querySelector('#spread-chart').dataset.samples) > {before}", timeout=20_000
    )
    await page.wait_for_function(
        "() => Number(document.querySelector('#spread-chart').dataset.pairSeries) > 0", timeout=30_000
    )
    legend = await page.locator("#spread-chart .u-legend .u-series .u-label").all_inner_texts()
    pairs = [label for label in legend if " → " in label]
    assert 1 <= len(pairs) <= 5 and all(label.split(" → ")[0] != label.split(" → ")[1] for label in pairs)
    await save_screenshots(page, "instrument-funding-chart")
    assert errors == []
