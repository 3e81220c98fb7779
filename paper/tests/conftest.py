"""A market of two exchanges quoting one instrument, top of book 5 ETH each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arbitrage.tests.factories import make_quote
from feeds.models import Exchange
from lib.clock import now_ms
from paper.tests.market import INSTRUMENT, quoted


@pytest.fixture
def market():
    # As seeded, with their default fees: an earlier transactional test may have flushed them.
    for exchange_id, fee_pct in (("binance", "0.05"), ("bybit", "0.055")):
        Exchange.objects.update_or_create(
            id=exchange_id, defaults={"name": exchange_id.title(), "taker_fee_pct": Decimal(fee_pct), "enabled": True}
        )
    at = now_ms()
    quoted(
        make_quote("binance", INSTRUMENT, bid="2315.10", ask="2315.20", size="5", ts_ms=at),
        make_quote("bybit", INSTRUMENT, bid="2330.40", ask="2330.50", size="5", ts_ms=at),
    )
