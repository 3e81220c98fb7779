"""The engine's depth book: legs read per coin, and only while fresh."""

from __future__ import annotations

from decimal import Decimal as D

from arbitrage.depth import DepthBook
from arbitrage.spreads import exact_spread
from arbitrage.tests.factories import make_quote
from arbitrage.tracker import OpenOpportunity, OpportunityTracker
from feeds.depth import Depth

NOW_MS = 1_700_000_000_000


def test_a_multiplied_leg_is_walked_per_coin():
    # Binance lists 1000PEPE at 0.0120 (PEPE at 0.000012); Bybit lists PEPE itself at 0.0000122.
    buy = make_quote("binance", "1000PEPE/USDT:USDT", bid="0.0119", ask="0.0120", size="10", ts_ms=NOW_MS)
    sell = make_quote("bybit", "PEPE/USDT:USDT", bid="0.0000122", ask="0.0000123", size="20000", ts_ms=NOW_MS)
    tracker = OpportunityTracker({"binance": D(0), "bybit": D(0)}, {})
    opportunity = OpenOpportunity("x", "PEPE/USD", buy, sell, exact_spread(buy, sell, D(0), D(0)), NOW_MS, NOW_MS)
    book = DepthBook()
    book.apply(
        [
            Depth(
                "binance",
                "1000PEPE",
                buy.instrument,
                [],
                [(D("0.0120"), D("10")), (D("0.0121"), D("10"))],
                0,
                buy.recv_ns,
            ),
            Depth("bybit", "PEPE", sell.instrument, [(D("0.0000122"), D("15000"))], [], 0, sell.recv_ns),
        ]
    )
    fill = book.fill_for(opportunity, tracker, NOW_MS)
    # 10 x 1000PEPE = 10,000 PEPE at 0.000012, then 5,000 more at 0.0000121; all sold at 0.0000122.
    assert fill.size_base == D("15000")
    assert fill.profit_quote == D("15000") * D("0.0000122") - (D("0.12") + D("5000") * D("0.0000121"))
    assert fill.avg_buy_price == (D("0.12") + D("0.0605")) / 15000
    assert fill.books_exhausted


def test_a_leg_without_fresh_depth_gives_none():
    buy = make_quote("binance", ts_ms=NOW_MS)
    sell = make_quote("bybit", bid="43260", ask="43261", ts_ms=NOW_MS)
    tracker = OpportunityTracker({}, {"bybit": 1000}, default_max_age_ms=5000)
    opportunity = OpenOpportunity("x", "BTC/USD", buy, sell, exact_spread(buy, sell, D(0), D(0)), NOW_MS, NOW_MS)
    book = DepthBook()
    level = [(D("43250"), D("1"))]
    book.apply([Depth("binance", "BTCUSDT", buy.instrument, level, level, 0, NOW_MS * 1_000_000)])
    assert book.fill_for(opportunity, tracker, NOW_MS) is None  # Bybit's book never came
    book.apply([Depth("bybit", "BTCUSDT", sell.instrument, level, level, 0, (NOW_MS - 1001) * 1_000_000)])
    assert book.fill_for(opportunity, tracker, NOW_MS) is None  # older than Bybit's 1 s max age
    assert book.fill_for(opportunity, tracker, NOW_MS - 1) is not None
