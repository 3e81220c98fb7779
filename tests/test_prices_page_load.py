"""The Prices page at 500 instruments × 11 exchanges in Chromium, fed 10 updates a second.

Arbsite (daphne over SQLite) serves the page; /ws is a fake feed this test drives, behind a
small front server that gives both one origin and forwards everything else to daphne. The page
gets a paged snapshot, then 50 price updates of 105 quotes (one per row) at 10 a second.

Chromium's own counters (CDP `Performance.getMetrics`) give the main thread's script, style
and layout time over the burst, printed per update: speed is measured, not asserted. What is
asserted is what the trader sees: the latest values, each exchange's max quote age honoured
in the greying and the best bid/ask, the badge following the quotes' real age, and a snapshot
replacing everything, deltas it already holds ignored.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from feeds.exchanges import EXCHANGE_IDS
from lib import clock
from lib.numbers import format_price
from tests.chromium import VIEWPORTS, needs_chromium, save_screenshots
from tests.processes import free_port, manage, start

pytestmark = [pytest.mark.e2e, needs_chromium]

INSTRUMENTS = [f"C{i:03d}/USDT:USDT" for i in range(500)]
EXCHANGES = sorted(EXCHANGE_IDS)
# okx, bitmex and deribit stop streaming after the snapshot: okx's quotes are born stale,
# bitmex's go stale during the burst, deribit's stay fresh well past the old hard-coded 5 s.
MAX_AGE_MS = {exchange: 15_000 for exchange in EXCHANGES} | {"okx": 2_000, "bitmex": 5_000, "deribit": 60_000}
STREAMING = [exchange for exchange in EXCHANGES if exchange not in ("okx", "bitmex", "deribit")]
SNAPSHOT_AGE_MS = 3_000
UPDATES, RATE_HZ, QUOTES_PER_UPDATE = 50, 10, 105
USERNAME, PASSWORD = "trader", "trader-pass-1234"

SETUP = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from feeds.models import Exchange

call_command("migrate", interactive=False, verbosity=0)
get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})
for exchange_id, max_age_ms in {MAX_AGE_MS!r}.items():
    Exchange.objects.filter(id=exchange_id).update(max_quote_age_ms=max_age_ms)
"""

# Each cell as the page shows it: [instrument, spread text, [[exchange, bid, stale, best bid, best ask], ...]]
READ_TABLE = """() => [...document.querySelectorAll("#price-matrix tbody tr[data-instrument]")].map((tr) => [
  tr.dataset.instrument,
  tr.querySelector("td.spread > span").textContent.replace(" %", ""),
  [...tr.querySelectorAll("td[data-exchange]")].map((td) => [
    td.dataset.exchange,
    td.querySelector(".bid")?.textContent ?? null,
    td.classList.contains("stale"),
    td.classList.contains("best-bid"),
    td.classList.contains("best-ask"),
  ]),
])"""

SHOWN_ROWS = """() => [...document.querySelectorAll("#price-matrix tbody tr[data-instrument]")]
  .filter((tr) => getComputedStyle(tr).display !== "none")
  .map((tr) => tr.dataset.instrument)"""

SHOWS_BIDS = """(expected) => expected.every(([instrument, exchange, bid]) => {
  const row = document.querySelector(`#price-matrix tr[data-instrument="${CSS.escape(instrument)}"]`);
  return row?.querySelector(`td[data-exchange="${exchange}"] .bid`)?.textContent === bid;
})"""


def make_quote(index: int, exchange: str, version: int, ts_ms: int) -> dict:
    """A quote whose bid says which update sent it (a higher version bids higher)."""
    digits = f"{version:03d}{EXCHANGES.index(exchange):02d}"
    bid, ask = f"{100 + index}.{digits}", f"{101 + index}.{digits}"
    return {
        "exchange": exchange,
        "symbol": f"C{index:03d}USDT",
        "instrument": INSTRUMENTS[index],
        "bid": bid,
        "ask": ask,
        "bid_size": "1.5",
        "ask_size": "2",
        "price": str((Decimal(bid) + Decimal(ask)) / 2),
        "timestamp": ts_ms,
        "ts_ms": ts_ms,
        "recv_ms": ts_ms + 3,
    }


class FakeFeed:
    """/ws as the test drives it: each connection the page opens is handed to the test."""

    def __init__(self) -> None:
        self.connections: asyncio.Queue[web.WebSocketResponse] = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        await self.connections.put(socket)
        async for _ in socket:  # the page's subscribe: this feed sends what the test says
            pass
        return socket

    async def next_connection(self) -> web.WebSocketResponse:
        return await asyncio.wait_for(self.connections.get(), timeout=20)


async def _front(feed: FakeFeed, upstream: str):
    """One origin for the page: /ws is the fake feed, every other request goes to daphne."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    dropped = {"content-length", "content-encoding", "transfer-encoding", "connection"}

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in dropped | {"accept-encoding"}}
        async with session.request(
            request.method,
            upstream + request.rel_url.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
            kept = CIMultiDict((k, v) for k, v in answer.headers.items() if k.lower() not in dropped)
            return web.Response(status=answer.status, body=body, headers=kept)

    app = web.Application()
    app.router.add_get("/ws", feed.handle)
    app.router.add_route("*", "/{path:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, session, f"http://127.0.0.1:{port}"


@pytest.fixture
async def site(tmp_path):
    # The page's rows are the instruments named by default (with every perpetual watched, the
    # majors): here the 500 it is loaded with.
    env = {
        "ARBSITE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "ARBSITE_INSTRUMENTS": ",".join(INSTRUMENTS),
    }
    setup = await start("setup", manage("shell", "-c", SETUP), env)
    setup.drain()
    assert await asyncio.wait_for(setup.process.wait(), timeout=120) == 0, "\n".join(setup.output)
    port = free_port()
    daphne = await start(
        "daphne", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "arbsite.asgi:application"], env
    )
    feed = FakeFeed()
    runner = session = None
    try:
        await daphne.wait_for_line(r"Listening on TCP address", timeout_s=60)
        daphne.drain()
        runner, session, url = await _front(feed, f"http://127.0.0.1:{port}")
        yield url, feed
    finally:
        if runner is not None:
            await runner.cleanup()
            await session.close()
        await daphne.stop()


async def _main_thread_s(cdp) -> dict[str, float]:
    return {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}


async def _send(socket: web.WebSocketResponse, message: dict) -> None:
    await socket.send_str(json.dumps(message))


async def _send_snapshot(socket, seq: int, quotes: list[dict], pages: int, between=()) -> None:
    """A snapshot in `pages` pages, with `between` (deltas) sent after the first."""
    size = -(-len(quotes) // pages)
    for page in range(1, pages + 1):
        chunk = quotes[(page - 1) * size : page * size]
        await _send(
            socket, {"type": "snapshot", "seq": seq, "page": page, "pages": pages, "data": chunk, "opportunities": []}
        )
        if page == 1:
            for message in between:
                await _send(socket, message)


def _expected_row(index: int, latest: dict, stale: set[str]) -> tuple[set[str], set[str], Decimal]:
    """The exchanges holding the row's best bid and best ask among fresh quotes, and its spread %."""
    fresh = {exchange: latest[index, exchange] for exchange in EXCHANGES if exchange not in stale}
    best_bid = max(fresh, key=lambda exchange: Decimal(fresh[exchange]["bid"]))
    best_ask = min(fresh, key=lambda exchange: Decimal(fresh[exchange]["ask"]))
    bid, ask = Decimal(fresh[best_bid]["bid"]), Decimal(fresh[best_ask]["ask"])
    return {best_bid}, {best_ask}, (bid - ask) / ask * 100


async def test_prices_page_keeps_up_with_500_instruments_on_11_exchanges(site, browser):
    url, feed = site
    page = await browser.new_page(viewport=VIEWPORTS["desktop"])
    await page.goto(url + "/accounts/login/")
    await page.fill("input[name=username]", USERNAME)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(url + "/")
    socket = await feed.next_connection()

    # A snapshot 3 s old, in two pages: every cell filled, okx's already past its 2 s.
    snapshot_ts = clock.now_ms() - SNAPSHOT_AGE_MS
    latest = {(i, ex): make_quote(i, ex, 0, snapshot_ts) for i in range(len(INSTRUMENTS)) for ex in EXCHANGES}
    loop = asyncio.get_running_loop()
    sent_snapshot = loop.time()
    await _send_snapshot(socket, 100, list(latest.values()), pages=2)
    await page.wait_for_function(
        SHOWS_BIDS,
        arg=[[q["instrument"], q["exchange"], format_price(q["bid"])] for q in latest.values()],
        timeout=120_000,
    )
    snapshot_ms = (loop.time() - sent_snapshot) * 1000
    await page.wait_for_selector("#live-status[data-state=live]", timeout=5_000)

    # The burst: 10 updates a second, each one quote on each of 105 rows.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    before = await _main_thread_s(cdp)
    cells = [(i, ex) for ex in STREAMING for i in range(len(INSTRUMENTS))]
    started = loop.time()
    for n in range(UPDATES):
        # Pacing the feed at its real rate, not waiting for the page.
        await asyncio.sleep(max(0.0, started + n / RATE_HZ - loop.time()))
        ts_ms = clock.now_ms()
        batch = [
            make_quote(i, ex, n + 1, ts_ms)
            for i, ex in (cells[(n * QUOTES_PER_UPDATE + j) % len(cells)] for j in range(QUOTES_PER_UPDATE))
        ]
        for quote in batch:
            latest[INSTRUMENTS.index(quote["instrument"]), quote["exchange"]] = quote
        await _send(socket, {"type": "price_update", "seq": 101 + n, "data": batch})
    sent_all = loop.time()
    await page.wait_for_function(
        SHOWS_BIDS, arg=[[q["instrument"], q["exchange"], format_price(q["bid"])] for q in batch], timeout=120_000
    )
    caught_up_ms = (loop.time() - sent_all) * 1000
    after = await _main_thread_s(cdp)
    per_update_ms = {
        name: (after[name] - before[name]) * 1000 / UPDATES
        for name in ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration")
    }
    print(
        f"\nPrices page, {len(INSTRUMENTS)} instruments × {len(EXCHANGES)} exchanges, {UPDATES} updates of "
        f"{QUOTES_PER_UPDATE} quotes at {RATE_HZ}/s: per update script {per_update_ms['ScriptDuration']:.1f} ms, "
        f"style {per_update_ms['RecalcStyleDuration']:.1f} ms, layout {per_update_ms['LayoutDuration']:.1f} ms, "
        f"main-thread tasks {per_update_ms['TaskDuration']:.1f} ms; "
        f"layouts {after['LayoutCount'] - before['LayoutCount']:.0f}; "
        f"last update shown {caught_up_ms:.0f} ms after it was sent; the snapshot of "
        f"{len(latest)} quotes shown in {snapshot_ms:.0f} ms"
    )

    table = {row[0]: row for row in await page.evaluate(READ_TABLE)}
    stale = {"okx", "bitmex"}  # okx born stale, bitmex 8 s old against its 5 s
    for index, instrument in enumerate(INSTRUMENTS):
        _, spread_text, shown = table[instrument]
        best_bid, best_ask, spread_pct = _expected_row(index, latest, stale)
        assert {ex: bid for ex, bid, *_ in shown} == {ex: format_price(latest[index, ex]["bid"]) for ex in EXCHANGES}
        assert {ex for ex, _, is_stale, *_ in shown if is_stale} == stale, instrument
        assert {ex for ex, _, _, is_best, _ in shown if is_best} == best_bid, instrument
        assert {ex for ex, *_, is_best in shown if is_best} == best_ask, instrument
        assert abs(Decimal(spread_text) - spread_pct) <= Decimal("0.0005"), instrument  # shown to 3 decimals
    assert await page.get_attribute("#live-status", "data-state") == "live"

    # Filter and sort act on the rows as they are.
    await page.fill("#matrix-filter", "c01")
    assert await page.evaluate(SHOWN_ROWS) == INSTRUMENTS[10:20]
    await page.fill("#matrix-filter", "")
    await page.select_option("#matrix-sort", "spread")
    spreads = [Decimal(table[instrument][1]) for instrument in await page.evaluate(SHOWN_ROWS)]
    assert len(spreads) == len(INSTRUMENTS) and spreads == sorted(spreads, reverse=True)
    await page.select_option("#matrix-sort", "name")
    assert await page.evaluate(SHOWN_ROWS) == INSTRUMENTS
    await save_screenshots(page, "prices-load", full_page=False)  # 500 rows: the top is enough

    # A new snapshot replaces everything: 10 instruments, 70 s old, so all stale (even
    # deribit's 60 s). A delta it already holds (seq 1000) is ignored; a later one (1001),
    # sent between its pages, is applied once the last page is in, not overwritten by it.
    old_ts = clock.now_ms() - 70_000
    replaced = {(i, ex): make_quote(i, ex, 500, old_ts) for i in range(10) for ex in EXCHANGES}
    ignored = make_quote(0, "bybit", 600, clock.now_ms())
    held = make_quote(7, "binance", 700, clock.now_ms())
    await _send_snapshot(
        socket,
        1000,
        list(replaced.values()),
        pages=2,
        between=[
            {"type": "price_update", "seq": 1000, "data": [ignored]},
            {"type": "price_update", "seq": 1001, "data": [held]},
        ],
    )
    await page.wait_for_function(
        "() => document.querySelectorAll('#price-matrix tbody tr[data-instrument]').length === 10"
    )
    table = {row[0]: row for row in await page.evaluate(READ_TABLE)}
    assert set(table) == set(INSTRUMENTS[:10])
    shown = {
        (instrument, ex): (bid, is_stale) for instrument, _, row in table.values() for ex, bid, is_stale, *_ in row
    }
    assert shown[INSTRUMENTS[0], "bybit"] == (format_price(replaced[0, "bybit"]["bid"]), True)
    assert shown[INSTRUMENTS[7], "binance"] == (format_price(held["bid"]), False)
    assert [cell for cell, (_, is_stale) in shown.items() if not is_stale] == [(INSTRUMENTS[7], "binance")]
    assert await page.get_attribute("#live-status", "data-state") == "live"

    # Nothing fresh on the page: the socket is open, but the badge says so.
    await _send(socket, {"type": "snapshot", "seq": 1002, "data": list(replaced.values()), "opportunities": []})
    await page.wait_for_selector("#live-status[data-state=stale]", timeout=5_000)
    await save_screenshots(page, "prices-stale", full_page=False)
    fresh = make_quote(3, "okx", 800, clock.now_ms())
    await _send(socket, {"type": "price_update", "seq": 1003, "data": [fresh]})
    await page.wait_for_selector("#live-status[data-state=live]", timeout=5_000)
    cell = page.locator(f'tr[data-instrument="{INSTRUMENTS[3]}"] td[data-exchange="okx"]')
    assert await cell.locator(".bid").text_content() == fresh["bid"]
    assert "stale" not in await cell.get_attribute("class")
