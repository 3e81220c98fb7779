"""In-app alerts: pushed over /ws to every open page of the rule's owner, and only theirs."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from accounts.alerts.messages import alert_message_decoder
from accounts.tasks import deliver_alert
from accounts.tests.alerting import make_rule, opportunity
from arbitrage.engine import Engine
from arbitrage.tests.factories import make_quote
from arbsite.asgi import application
from lib import clock

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost:8000")


async def open_page(cookie: bytes) -> WebsocketCommunicator:
    page = WebsocketCommunicator(
        application, "/ws", headers=[(b"host", b"localhost:8000"), ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await page.connect(timeout=5)
    assert connected
    assert (await page.receive_json_from(timeout=5))["type"] == "snapshot"
    return page


async def in_a_worker_thread(function, *args):
    """As the single-process mode runs alert tasks: on a thread of their own, not the loop's."""
    done = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    def run() -> None:
        result = function(*args)
        loop.call_soon_threadsafe(done.set_result, result)

    threading.Thread(target=run).start()
    return await asyncio.wait_for(done, 10)


async def test_an_alert_reaches_every_open_page_of_its_user_and_no_one_else(alice, bob, login_cookie):
    rule = await sync_to_async(make_rule)(alice)
    alice_cookie = await login_cookie(alice)
    pages = [await open_page(alice_cookie), await open_page(alice_cookie)]
    bobs_page = await open_page(await login_cookie(bob))  # one test client: log bob in after
    found = opportunity()

    assert await in_a_worker_thread(deliver_alert, rule.id, found) == {"in_app": "sent"}

    for page in pages:
        message = alert_message_decoder.decode(await page.receive_from(timeout=5))
        assert message.data.kind == "opportunity"
        assert message.data.rule_id == rule.id and message.data.rule_name == "majors"
        assert message.data.title == "majors: BTC/USD 0.289206 % net, binance → bybit"
        assert message.data.opportunity.id == found["id"]
    assert await bobs_page.receive_nothing(timeout=0.3)
    for page in [*pages, bobs_page]:
        await page.disconnect()


async def test_a_closed_page_no_longer_gets_alerts(alice, login_cookie):
    rule = await sync_to_async(make_rule)(alice, cooldown_s=0)
    page = await open_page(await login_cookie(alice))
    await page.disconnect()
    open_again = await open_page(await login_cookie(alice))
    await in_a_worker_thread(deliver_alert, rule.id, opportunity())
    assert alert_message_decoder.decode(await open_again.receive_from(timeout=5)).data.kind == "opportunity"
    assert await page.receive_nothing(timeout=0.2)
    await open_again.disconnect()


async def test_single_process_mode_engine_match_reaches_the_open_page(alice, login_cookie):
    """No broker: the engine's match runs the same task on a thread of this process (the
    eager pool) and the alert reaches the page through the in-process layer."""
    rule = await sync_to_async(make_rule)(alice, min_net_spread_pct="0.5")
    page = await open_page(await login_cookie(alice))
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = {"binance": Decimal("0.05"), "bybit": Decimal("0.05")}
    await engine.refresh_rules()

    now = clock.now_ms()
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=now)], at_ms=now)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=now)], at_ms=now)
    await engine.send_alerts()

    message = alert_message_decoder.decode(await page.receive_from(timeout=10))
    assert message.data.rule_id == rule.id
    assert (message.data.opportunity.buy_exchange, message.data.opportunity.sell_exchange) == ("binance", "bybit")
    await page.disconnect()
