"""A market of two exchanges quoting one instrument, top of book 5 ETH each."""

from __future__ import annotations

import pytest

from arbitrage.tests.factories import make_quote
from lib.clock import now_ms
from paper.tests.market import INSTRUMENT, quoted


@pytest.fixture
def market():
    at = now_ms()
    quoted(
        make_quote("binance", INSTRUMENT, bid="2315.10", ask="2315.20", size="5", ts_ms=at),
        make_quote("bybit", INSTRUMENT, bid="2330.40", ask="2330.50", size="5", ts_ms=at),
    )
