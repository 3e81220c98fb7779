"""The Prices page's filter finds any instrument the engine quotes, not only its rows: in
Chromium against `run_all --simulate` watching every listed perpetual, typing a generated
long-tail coin shows its row with a live price (subscribed over /ws), clearing the filter drops
it (unsubscribed), and its Watch button keeps it."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from feeds.simulator.universe import Universe
from tests.chromium import VIEWPORTS, log_in, needs_chromium, save_screenshots
from tests.conftest import UNIVERSE_DEMO_COINS, UNIVERSE_DEMO_SEED

pytestmark = [pytest.mark.e2e, needs_chromium]

# Resolves once the cache quotes `instrument`: a /ws connection of its own, subscribed to it.
QUOTED = """(instrument) => new Promise((resolve) => {
  const query = new URLSearchParams({ instruments: instrument, opportunities: "none" });
  const ws = new WebSocket(`ws://${location.host}/ws?${query}`);
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (["snapshot", "price_update"].includes(message.type) && message.data.some((q) => q.instrument === instrument)) {
      ws.close();
      resolve();
    }
  };
})"""

SHOWN_ROWS = """() => [...document.querySelectorAll("#price-matrix tbody tr[data-instrument]")]
  .filter((tr) => !tr.hidden)
  .map((tr) => tr.dataset.instrument)"""


def _sends(message_type: str, instrument: str):
    """A predicate of the frames the page sends: a `message_type` message naming `instrument`."""

    def predicate(payload) -> bool:
        message = json.loads(payload)
        return message.get("type") == message_type and instrument in message.get("instruments", ())

    return predicate


async def test_the_filter_finds_a_long_tail_coin_with_live_prices_and_clearing_it_unsubscribes(universe_demo, browser):
    coin = Universe(UNIVERSE_DEMO_COINS, UNIVERSE_DEMO_SEED).listed("binance")[0]
    instrument = f"{coin}/USDT:USDT"
    assert coin not in {major.split("/")[0] for major in settings.MAJOR_INSTRUMENTS}
    row = f'#price-matrix tr[data-instrument="{instrument}"]'

    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    page = await context.new_page()
    await log_in(page, universe_demo)
    await page.wait_for_selector("#live-status[data-state=live]", timeout=60_000)
    await page.wait_for_function(QUOTED, arg=instrument, timeout=60_000)  # the engine quotes the coin
    assert await page.locator(row).count() == 0  # not a row of the page: neither watched nor a major

    async with page.expect_websocket() as opened:
        await page.reload()
    ws = await opened.value
    await page.wait_for_selector("#live-status[data-state=live]", timeout=30_000)
    own_rows = await page.evaluate(SHOWN_ROWS)  # the majors Binance lists
    assert own_rows and instrument not in own_rows

    # Typed in lower case, as a trader does: its row comes, subscribed, with a price that /ws sent.
    async with ws.expect_event("framesent", _sends("subscribe", instrument), timeout=10_000):
        await page.type("#matrix-filter", coin.lower())
    bid = page.locator(f"{row} td[data-exchange=binance] .bid")
    await bid.wait_for(timeout=20_000)
    assert float(await bid.inner_text()) > 0
    assert (await page.evaluate(SHOWN_ROWS))[0] == instrument  # the exact match first; the majors hidden
    assert await page.inner_text("#matrix-search-status") == f"1 quoted instrument matches “{coin}”."
    assert await page.locator(f"{row} button.watch").count() == 1
    assert await page.get_attribute(f"{row} th a", "href") == f"/instruments/{instrument}/"
    await save_screenshots(page, "prices-search", full_page=False)

    # Cleared: the majors are back, the coin's row goes and its quotes are unsubscribed.
    async with ws.expect_event("framesent", _sends("unsubscribe", instrument), timeout=10_000):
        await page.fill("#matrix-filter", "")
    assert await page.locator(row).count() == 0
    assert await page.evaluate(SHOWN_ROWS) == own_rows
    assert await page.is_hidden("#matrix-search-status")

    # Found again and watched: it stays when the filter is cleared, and is on the watchlist.
    await page.fill("#matrix-filter", coin)
    await page.click(f"{row} button.watch", timeout=20_000)
    await page.wait_for_selector(f"{row}[data-watched]", timeout=10_000)
    await page.fill("#matrix-filter", "")
    assert await page.evaluate(SHOWN_ROWS) == [instrument, *own_rows]  # watched first
    assert await page.locator(f"{row} button.watch").count() == 0
    watchlist = await (await page.request.get(universe_demo["url"] + "/api/watchlist")).json()
    assert [item["instrument"] for item in watchlist["instruments"]] == [instrument]
    await context.close()


async def test_a_subscription_the_server_refuses_is_said_under_the_filter(universe_demo, browser):
    coin = Universe(UNIVERSE_DEMO_COINS, UNIVERSE_DEMO_SEED).listed("binance")[0]
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])
    page = await context.new_page()
    await log_in(page, universe_demo)
    # The page's /ws goes through to the server as it is; the test can speak as the server too.
    routes = []

    def through(route) -> None:
        route.connect_to_server()
        routes.append(route)

    await page.route_web_socket(re.compile(r"/ws"), through)
    await page.reload()
    await page.wait_for_selector("#live-status[data-state=live]", timeout=30_000)
    await page.fill("#matrix-filter", coin)
    await page.wait_for_selector(f'#price-matrix tr[data-instrument="{coin}/USDT:USDT"]', timeout=20_000)

    # What the server answers a page already near its instruments per connection.
    routes[-1].send(json.dumps({"type": "error", "error": "at most 1000 instruments per connection"}))
    status = page.locator("#matrix-search-status")
    await page.wait_for_function(
        "() => document.querySelector('#matrix-search-status').textContent.includes('refused')", timeout=10_000
    )
    assert await status.inner_text() == (
        "Live prices for these rows were refused: at most 1000 instruments per connection. "
        "Unwatch some instruments, or narrow the search."
    )
    await context.close()
