"""Near misses: pairs at or below break-even within a distance of it, from fresh quotes only."""

from __future__ import annotations

from decimal import Decimal

from arbitrage.near_miss import near_misses
from arbitrage.tests.factories import make_quote

NOW_MS = 1_700_000_000_000
FEES = {"binance": Decimal("0.05"), "bybit": Decimal("0.05"), "okx": Decimal("0.05")}


def _misses(quotes, within_bps: str, **kwargs):
    return near_misses(quotes, FEES, {}, within_bps=Decimal(within_bps), now_ms=NOW_MS, **kwargs)


def test_both_directions_within_the_distance_closest_first():
    quotes = [
        make_quote("binance", bid="99.9", ask="100", ts_ms=NOW_MS),
        make_quote("bybit", bid="99.95", ask="100.05", ts_ms=NOW_MS),
    ]
    [first] = _misses(quotes, "20")
    assert (first.buy.exchange, first.sell.exchange) == ("binance", "bybit")
    # (99.95 × 0.9995 − 100 × 1.0005) / 100 = −0.149975 %: 15 bps from break-even
    assert first.spread.net_spread_pct == Decimal("-0.149975")
    assert first.to_break_even_bps == Decimal("15.00")
    both = _misses(quotes, "30")
    assert [(m.buy.exchange, m.sell.exchange) for m in both] == [("binance", "bybit"), ("bybit", "binance")]
    assert both[1].to_break_even_bps == Decimal("24.99")


def test_a_paying_pair_is_an_opportunity_not_a_near_miss():
    quotes = [
        make_quote("binance", bid="99.9", ask="100", ts_ms=NOW_MS),
        make_quote("bybit", bid="101", ask="101.1", ts_ms=NOW_MS),
    ]
    assert [(m.buy.exchange, m.sell.exchange) for m in _misses(quotes, "1000")] == [("bybit", "binance")]


def test_stale_crossed_and_cross_quote_legs_take_no_part():
    quotes = [
        make_quote("binance", bid="99.9", ask="100", ts_ms=NOW_MS),
        make_quote("bybit", bid="99.95", ask="100.05", ts_ms=NOW_MS - 60_000),  # stale
        make_quote("okx", bid="100.1", ask="100", ts_ms=NOW_MS),  # crossed
        make_quote("okx", instrument="BTC/USD:BTC", bid="99.95", ask="100.05", ts_ms=NOW_MS),
    ]
    assert _misses(quotes, "100") == []
    crossing = _misses(quotes, "100", allow_cross_quote=True)
    assert {(m.buy.instrument, m.sell.instrument) for m in crossing} == {
        ("BTC/USDT:USDT", "BTC/USD:BTC"),
        ("BTC/USD:BTC", "BTC/USDT:USDT"),
    }
    assert all(m.spread.basis_risk for m in crossing)
