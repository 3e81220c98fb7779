"""/ws at the user's own fees: their snapshot and updates carry the net figures at their fees;
another user's connection gets the engine's, from the same update."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from accounts.trading import save_trading_settings
from arbitrage.engine import Engine
from arbitrage.tests.factories import make_quote
from arbitrage.tests.test_consumer import ORIGIN, _connect, _received
from feeds.models import Exchange

pytestmark = pytest.mark.django_db(transaction=True)


def _nets(message: dict, key: str) -> list[tuple[str, str, bool]]:
    return [(o["net_spread_pct"], o["profit_quote"], o["profitable"]) for o in message[key]]


def _set_up(alice) -> None:
    # Transactional tests empty the tables: the admin's fees the engine uses, as rows.
    for exchange, fee in (("binance", "0.05"), ("bybit", "0.055")):
        Exchange.objects.update_or_create(id=exchange, defaults={"name": exchange, "taker_fee_pct": Decimal(fee)})
    save_trading_settings(alice, fees={"binance": {"taker_fee_pct": "0.02"}})
    connections.close_all()  # this runs in a worker thread: its connection must not outlive the test


async def test_each_connection_gets_its_users_figures(alice, bob, login_cookie):
    await sync_to_async(_set_up)(alice)
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", size="1", ts_ms=1)], at_ms=1)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", size="1", ts_ms=1)], at_ms=1)
    await engine.fan_out()

    alices, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(alice)))
    bobs, _, _ = await _connect(ORIGIN, (b"cookie", await login_cookie(bob)))
    # Alice: (101 × 0.99945 − 100 × 1.0002) / 100 × 100 = 0.92445 %; bob: the engine's 0.89445 %.
    assert _nets(await _received(alices), "opportunities") == [("0.924450", "0.92445000", True)]
    assert _nets(await _received(bobs), "opportunities") == [("0.894450", "0.89445000", True)]

    engine.on_quotes([make_quote("bybit", bid="101.1", ask="101.2", size="1", ts_ms=2)], at_ms=2)
    await engine.fan_out()
    for communicator in (alices, bobs):
        assert (await _received(communicator))["type"] == "price_update"
    # Alice: 101.1 × 0.99945 − 100 × 1.0002 = 1.024395 (%, at 100); bob: − 100.05 = 0.994395.
    assert _nets(await _received(alices), "data") == [("1.024395", "1.02439500", True)]
    assert _nets(await _received(bobs), "data") == [("0.994395", "0.99439500", True)]
    await alices.disconnect()
    await bobs.disconnect()
