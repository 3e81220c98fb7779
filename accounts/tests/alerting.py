"""Helpers for the alert delivery tests: opportunities as the engine queues them, and rules."""

from __future__ import annotations

import uuid

from accounts.alerts.messages import sample_opportunity
from accounts.models import AlertRule
from lib import clock


def opportunity(buy="binance", sell="bybit", instrument="BTC/USDT:USDT", **fields) -> dict:
    """An OpportunityMessage as a JSON-able dict (what deliver_alert receives), opened 150 ms ago."""
    now_ms = clock.now_ms()
    message = sample_opportunity(now_ms - 150)
    message.update(
        id=uuid.uuid4().hex,
        buy_exchange=buy,
        sell_exchange=sell,
        buy_instrument=instrument,
        sell_instrument=instrument,
        symbol=instrument,
        updated_ms=now_ms,
    )
    message.update(fields)
    return message


def make_rule(user, **fields) -> AlertRule:
    values = {"name": "majors", "min_net_spread_pct": "0.2", "notify_in_app": True, **fields}
    return AlertRule.objects.create(user=user, **values)
