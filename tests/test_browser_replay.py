"""The Replay page in the browser against `run_all --simulate`: a small recording of two
binance → bybit gaps and both legs' funding, a period and a rule chosen in the form, and the
result table's figures (funding leg included), the rule's alert and the chart drawn with a
point per opportunity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.funding import Funding
from feeds.recording import FundingBatch, RecordingWriter
from feeds.types import Quote
from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.test_browser_trader_pages import _log_in

pytestmark = [pytest.mark.e2e, needs_chromium]

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
# The demo's admin fees: binance 0.05 %, bybit 0.055 % taker (feeds/migrations/0003_seed_exchanges.py).
GAPS = ((2_000, 5_000, "43200"), (7_000, 8_000, "43300"))  # (from ms, to ms, bybit's bid) after T0
HOUR_MS = 3_600_000
# Polled at +1 s: long binance pays 0.01 % every 8 h (next at +1 h), short bybit earns 0.03 %
# every 4 h (next at +2 h): over 8 h from either peak, −0.01 + 2 × 0.03 = +0.05 %.
FUNDING = FundingBatch(
    (T0_MS + 1000) * 10**6,
    [
        Funding("binance", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0001"), 8, T0_MS + HOUR_MS, T0_MS),
        Funding("bybit", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0003"), 4, T0_MS + 2 * HOUR_MS, T0_MS),
    ],
)


def _quote(exchange: str, ms: int, bid: str, ask: str) -> Quote:
    size = Decimal("1.5")
    bid_at, ask_at = Decimal(bid), Decimal(ask)
    return Quote(exchange, "BTCUSDT", "BTC/USDT:USDT", bid_at, size, ask_at, size, size, size, ms, ms * 10**6)


def _two_gaps() -> list[Quote]:
    """10 s, every 100 ms: binance 43000/43001 throughout, bybit the same but in the gaps."""
    quotes = []
    for ms in range(T0_MS, T0_MS + 10_000, 100):
        quotes.append(_quote("binance", ms, "43000", "43001"))
        bid = next((bid for start, end, bid in GAPS if T0_MS + start <= ms < T0_MS + end), "43000")
        quotes.append(_quote("bybit", ms + 1, bid, str(int(bid) + 1)))
    return quotes


async def test_a_period_and_a_rule_replayed_give_the_table_and_the_chart(demo, browser, tmp_path):
    # run_all keeps its recordings under its var dir (ARBSITE_VAR_DIR), here tmp_path.
    RecordingWriter(tmp_path / "recordings", retention_days=10_000).write(_two_gaps(), funding=[FUNDING])
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, demo)
    await page.goto(demo["url"] + "/accounts/alerts/")
    await page.fill("#rule-create input[name=name]", "btc gaps")
    await page.fill("#rule-create input[name=min_net_spread_pct]", "0.3")
    await page.click("#rule-create button[type=submit]")
    await page.locator('article.rule[data-rule="btc gaps"]').wait_for(timeout=10_000)

    await page.goto(demo["url"] + "/replay/")
    await page.fill("#replay-form input[name=start]", "2026-01-01T00:00")
    await page.fill("#replay-form input[name=end]", "2026-01-01T00:10")
    await page.select_option("#replay-form select[name=rule]", label="btc gaps")
    await page.click("#replay-form button[type=submit]")
    result = page.locator("#replay-result")
    await result.wait_for(timeout=20_000)

    assert await result.locator("h2").first.inner_text() == "2 opportunities"
    assert "200 recorded quotes and 2 funding records" in await result.inner_text()
    rows = await result.locator("table.history tbody tr").evaluate_all(
        "(rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim()))"
    )
    # Most profitable first. Net: (bid × (1 − 0.00055) − 43001 × 1.0005) / 43001 × 100;
    # profit: net % of 1.5 × 43001; edge: net + 0.05 %. Opened and closed by the 10 ms batch
    # of bybit's first quote in and out of the gap (received at +1 ms).
    # Written as every page writes numbers: spreads in % (and bps), sizes in coins, profit in its
    # currency, durations in words.
    assert rows == [
        [
            "2026-01-01 00:00:07",
            "1.0 s",
            "binance BTC/USDT:USDT",
            "bybit BTC/USDT:USDT",
            "0.590 %",
            "0.590 % 59.0 bps",
            "1.5 BTC",
            "380.53 USDT",
            "0.050 % (8 h) · 0.640 %",
            "spread",
        ],
        [
            "2026-01-01 00:00:02",
            "3.0 s",
            "binance BTC/USDT:USDT",
            "bybit BTC/USDT:USDT",
            "0.358 %",
            "0.358 % 35.8 bps",
            "1.5 BTC",
            "230.61 USDT",
            "0.050 % (8 h) · 0.408 %",
            "spread",
        ],
    ]
    # The rule fired on the first gap; the second, on the same pair, fell in its 300 s cooldown.
    assert await result.locator("h3").all_inner_texts() == ["btc gaps: 1 alert"]
    assert "1 more held back by cooldowns" in await result.inner_text()

    # The chart drew: one canvas, the two series in its legend, and the points' blue on it.
    chart = page.locator("#replay-chart")
    await chart.locator("canvas").wait_for(timeout=10_000)
    assert await chart.locator("canvas").count() == 1
    labels = await chart.locator(".u-legend .u-series .u-label").all_inner_texts()
    assert labels[1:] == ["Peak net spread", "Peak profit summed"]
    drawn = await chart.locator("canvas").evaluate(
        """(canvas) => {
          const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
          let points = 0, line = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i] === 0x58 && data[i + 1] === 0xa6 && data[i + 2] === 0xff) points++;
            if (data[i] === 0x3f && data[i + 1] === 0xb9 && data[i + 2] === 0x50) line++;
          }
          return { points, line };
        }"""
    )
    assert drawn["points"] > 0 and drawn["line"] > 0, drawn
    assert await page.evaluate("() => JSON.parse(document.getElementById('replay-points').textContent).t.length") == 2
    await save_screenshots(page, "replay")
    # At a phone's width the page does not scroll sideways (the table scrolls in its own box).
    await page.set_viewport_size(VIEWPORTS["phone"])
    # (The chart follows the new width from a ResizeObserver: wait for the page to settle.)
    await page.wait_for_function(
        "(width) => document.documentElement.scrollWidth <= width", arg=VIEWPORTS["phone"]["width"], timeout=5_000
    )
    assert errors == []
    await context.close()
