"""A /ws connection that takes every opportunity but the quotes of its own instruments only: what
a page needs when every listed perpetual is watched (arbitrage.subscriptions)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from arbitrage.engine import Engine
from arbitrage.tests.factories import make_quote
from arbitrage.tests.test_consumer import ORIGIN, _connect, _received
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def _gap(instrument: str, at_ms: int, sell_bid: str = "101") -> list:
    """binance asks 100, bybit bids `sell_bid`: an opportunity of `instrument` while above 100."""
    return [
        make_quote("binance", instrument=instrument, bid="99.9", ask="100", ts_ms=at_ms),
        make_quote("bybit", instrument=instrument, bid=sell_bid, ask="200", ts_ms=at_ms),
    ]


async def _market(engine: Engine, at_ms: int, sell_bid: str = "101") -> None:
    for instrument in (BTC, ETH):
        engine.on_quotes(_gap(instrument, at_ms, sell_bid), at_ms=at_ms)
    await engine.fan_out()


async def test_every_opportunity_but_only_the_subscribed_quotes(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    await _market(engine, 1)
    page, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    everything = await _received(page)  # no subscription yet: the seed's everything
    assert {q["instrument"] for q in everything["data"]} == {BTC, ETH}

    await page.send_json_to({"type": "subscribe", "instruments": [ETH], "opportunities": "all"})
    assert await _received(page) == {"type": "subscribed", "instruments": [ETH], "opportunities": "all"}
    snapshot = await _received(page)
    assert snapshot["type"] == "snapshot"
    assert {q["instrument"] for q in snapshot["data"]} == {ETH}
    assert {o["buy_instrument"] for o in snapshot["opportunities"]} == {BTC, ETH}

    await _market(engine, 2, sell_bid="101.5")  # both opportunities change
    quotes = await _received(page)
    assert quotes["type"] == "price_update"
    assert {q["instrument"] for q in quotes["data"]} == {ETH}
    opened = await _received(page)
    assert opened["type"] == "arbitrage_opportunities"
    assert {o["buy_instrument"] for o in opened["data"]} == {BTC, ETH}

    await _market(engine, 3, sell_bid="99")  # both close
    assert (await _received(page))["type"] == "price_update"
    closed = await _received(page)
    assert closed["type"] == "opportunity_closed"
    assert {o["buy_instrument"] for o in closed["data"]} == {BTC, ETH}
    await page.disconnect()


async def test_no_instruments_with_all_opportunities_is_no_quote_at_all(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    await _market(engine, 1)
    page, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    await _received(page)  # snapshot
    await page.send_json_to({"type": "subscribe", "instruments": [], "opportunities": "all"})
    assert (await _received(page))["opportunities"] == "all"
    snapshot = await _received(page)
    assert (snapshot["data"], len(snapshot["opportunities"])) == ([], 2)

    await _market(engine, 2, sell_bid="101.5")
    update = await _received(page)
    assert update["type"] == "arbitrage_opportunities"  # no price_update before it
    assert len(update["data"]) == 2
    await page.disconnect()


async def test_opportunities_none_and_no_instruments_sends_no_market_data(alice, login_cookie):
    """What a page without market data (Alerts, Settings) asks for: its user's alerts only."""
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    await _market(engine, 1)
    cookie = await login_cookie(alice)
    quiet, _, _ = await _connect(ORIGIN, (b"cookie", cookie))
    witness, _, _ = await _connect(ORIGIN, (b"cookie", cookie))
    await _received(quiet)  # snapshot
    await _received(witness)  # snapshot
    await quiet.send_json_to({"type": "subscribe", "instruments": [], "opportunities": "none"})
    assert (await _received(quiet))["opportunities"] == "none"
    snapshot = await _received(quiet)
    assert (snapshot["data"], snapshot["opportunities"]) == ([], [])

    await _market(engine, 2, sell_bid="101.5")
    assert (await _received(witness))["type"] == "price_update"  # the update reached this process
    await quiet.send_json_to({"type": "unsubscribe", "instruments": []})
    # The next thing the quiet connection hears is the answer: the update sent it nothing.
    assert await _received(quiet) == {"type": "subscribed", "instruments": [], "opportunities": "none"}
    await quiet.disconnect()
    await witness.disconnect()


async def test_a_page_names_its_subscription_in_the_url_and_its_first_snapshot_is_bounded(alice, login_cookie):
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    await _market(engine, 1)
    query = urlencode({"instruments": "ETH-USDT-USDT,NOPE", "opportunities": "all"})
    page = WebsocketCommunicator(
        application,
        f"/ws?{query}",
        headers=[(b"host", b"localhost:8000"), ORIGIN, (b"cookie", await login_cookie(alice))],
    )
    assert (await page.connect(timeout=5))[0]
    assert (await _received(page))["error"].startswith("unknown symbol 'NOPE'")
    assert await _received(page) == {"type": "subscribed", "instruments": [ETH], "opportunities": "all"}
    first = await _received(page)
    assert first["type"] == "snapshot"
    assert {q["instrument"] for q in first["data"]} == {ETH}
    assert {o["buy_instrument"] for o in first["opportunities"]} == {BTC, ETH}
    await page.disconnect()
