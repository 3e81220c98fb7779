"""The engine matches a user's alert rules at their own fees, and tells them the figures at
their fees; a user without fees of their own is matched and told at the admin's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from accounts.models import AlertRule
from accounts.trading import save_trading_settings
from arbitrage.engine import Engine
from arbitrage.tests.factories import make_quote
from lib import clock


def _rule(user, min_net: str) -> AlertRule:
    rule = AlertRule.objects.create(user=user, name="any", min_net_spread_pct=Decimal(min_net))
    connections.close_all()  # this runs in a worker thread: its connection must not outlive the test
    return rule


def _own_fees(user, fees: dict) -> None:
    save_trading_settings(user, fees=fees)
    connections.close_all()


@pytest.mark.django_db(transaction=True)
async def test_a_lower_tier_alerts_its_user_with_their_figures(alice, bob):
    alices = await sync_to_async(_rule)(alice, "0.9")
    bobs = await sync_to_async(_rule)(bob, "0.9")
    await sync_to_async(_own_fees)(alice, {"binance": {"taker_fee_pct": "0.02"}})
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}
    await engine.refresh_rules()

    t0 = clock.now_ms()
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", size="1", ts_ms=t0)], at_ms=t0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", size="1", ts_ms=t0)], at_ms=t0)

    # The engine's 0.89445 % is under both rules; alice's 0.92445 % (0.02 % on binance) is not.
    [(rule_id, message)] = engine.alerts.pending
    assert rule_id == alices.id != bobs.id
    assert (message["net_spread_pct"], message["profit_quote"], message["profitable"]) == (
        "0.924450",
        "0.92445000",
        True,
    )
    assert message["gross_spread_pct"] == "1.000000"


@pytest.mark.django_db(transaction=True)
async def test_changed_own_fees_reach_the_engines_rules(alice):
    await sync_to_async(_rule)(alice, "0.9")
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}
    await engine.refresh_rules()
    assert engine.alerts.rules.own_fees == {}
    await sync_to_async(_own_fees)(alice, {"bybit": {"taker_fee_pct": "0.01"}})
    await engine.refresh_rules()
    assert engine.alerts.rules.own_fees == {alice.id: {"bybit": Decimal("0.01000")}}
