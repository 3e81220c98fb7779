"""Each market's best net spread, sampled into a bounded history, and a charted market's best
pairs; only the charted ones leave, and the chart draws the pairs most often among the best."""

from __future__ import annotations

from decimal import Decimal

from arbitrage.spread_charts import PAIRS_SAMPLED, SPREAD_HISTORY_POINTS, SpreadCharts, funding_series, pair_series
from arbitrage.tests.factories import make_quote
from arbitrage.tracker import OpportunityTracker


class Markets:
    """What the charts read of the tracker: its markets and each one's best net spread now."""

    def __init__(self, spreads: dict[str, float | None]) -> None:
        self.markets = spreads
        self.spreads = spreads

    def best_net_spread_pct(self, group: str, at_ms: int) -> float | None:
        return self.spreads[group]

    def pair_net_spreads_pct(self, group: str, at_ms: int) -> dict[tuple[str, str], float]:
        return {}


def test_only_the_markets_a_page_charts_are_published():
    charts = SpreadCharts()
    charts.sample(Markets({"BTC/USDT": 0.1234567, "ETH/USDT": -0.05, "SOL/USDT": None}), 1_000)
    charts.charted_groups = {"BTC/USDT", "SOL/USDT"}
    # SOL had no spread to record; the pairs start once a page charts the market.
    assert charts.charted() == {"BTC/USDT": {"best": [(1_000, 0.123457)], "pairs": []}}
    assert list(charts.history) == ["BTC/USDT", "ETH/USDT"]


def test_a_history_keeps_its_last_points_only():
    charts = SpreadCharts()
    charts.charted_groups = {"BTC/USDT"}
    for n in range(SPREAD_HISTORY_POINTS + 5):
        charts.sample(Markets({"BTC/USDT": float(n)}), n)
    points = charts.charted()["BTC/USDT"]["best"]
    assert len(points) == SPREAD_HISTORY_POINTS
    assert points[0] == (5, 5.0) and points[-1] == (SPREAD_HISTORY_POINTS + 4, float(SPREAD_HISTORY_POINTS + 4))


def _market(asks: dict[str, str], at_ms: int) -> OpportunityTracker:
    """BTC quoted on each exchange at its ask, bid 1 under it; every taker fee 0.05 %."""
    tracker = OpportunityTracker({exchange: Decimal("0.05") for exchange in asks}, {})
    for exchange, ask in asks.items():
        tracker.on_quote(make_quote(exchange, bid=str(Decimal(ask) - 1), ask=ask, ts_ms=at_ms), at_ms)
    return tracker


def test_each_pairs_net_spread_and_the_best_is_the_best_of_them():
    at_ms = 1_700_000_000_000
    tracker = _market({"binance": "100", "bybit": "102", "okx": "101"}, at_ms)
    pairs = tracker.pair_net_spreads_pct("BTC/USD", at_ms)
    assert len(pairs) == 6  # 3 × 2, each way
    # Buy binance at 100, sell bybit at 101: (101 × 0.9995 − 100 × 1.0005) / 100 = 0.8995 %.
    assert round(pairs[("binance", "bybit")], 6) == 0.8995
    assert max(pairs.values()) == tracker.best_net_spread_pct("BTC/USD", at_ms)


def test_an_exchange_quoting_two_instruments_of_the_market_does_not_hide_the_best():
    """mexc's USDT and USDC contracts are both the cheapest buys and the dearest sells: the best
    is still the best pair of two exchanges, not none."""
    at_ms = 1_700_000_000_000
    tracker = OpportunityTracker({"mexc": Decimal("0"), "okx": Decimal("0.05")}, {})
    for instrument, bid, ask in (("BTC/USDT:USDT", "100", "100.1"), ("BTC/USDC:USDC", "100", "100.1")):
        tracker.on_quote(make_quote("mexc", instrument=instrument, bid=bid, ask=ask, ts_ms=at_ms), at_ms)
    tracker.on_quote(make_quote("okx", bid="99", ask="101", ts_ms=at_ms), at_ms)
    pairs = tracker.pair_net_spreads_pct("BTC/USD", at_ms)
    assert set(pairs) == {("mexc", "okx"), ("okx", "mexc")}
    assert tracker.best_net_spread_pct("BTC/USD", at_ms) == max(pairs.values())


def test_a_charted_market_keeps_its_best_pairs_at_each_sample():
    at_ms = 1_700_000_000_000
    asks = {f"ex{n}": str(100 + n) for n in range(PAIRS_SAMPLED + 2)}
    tracker = _market(asks, at_ms)
    charts = SpreadCharts()
    charts.sample(tracker, at_ms)
    assert charts.pair_history == {}  # nobody charts it yet
    charts.charted_groups = {"BTC/USD"}
    charts.sample(tracker, at_ms)
    [(sampled_ms, best)] = charts.charted()["BTC/USD"]["pairs"]
    assert sampled_ms == at_ms and len(best) == PAIRS_SAMPLED
    # The cheapest ask bought, the dearest bid sold, first.
    assert max(best, key=best.get) == f"ex0 → ex{PAIRS_SAMPLED + 1}"
    assert max(best.values()) == charts.charted()["BTC/USD"]["best"][-1][1]
    charts.charted_groups = set()
    charts.sample(tracker, at_ms + 1)
    assert charts.pair_history == {} and charts.charted() == {}


def test_the_chart_draws_the_pairs_most_often_among_the_best():
    history = [
        (1_000, {"a → b": 0.3, "c → d": 0.1}),
        (2_000, {"a → b": 0.2, "e → f": 0.4}),
        (3_000, {"c → d": 0.5, "e → f": 0.1}),
        (4_000, {"g → h": 0.9}),
    ]
    # a→b, c→d and e→f were among the best twice each, g→h once; two drawn: the better now first
    # among equals (a→b and c→d are not in the last sample, e→f neither: by name then).
    assert pair_series(history, limit=2) == {
        "labels": ["a → b", "c → d"],
        "points": [[1.0, 0.3, 0.1], [2.0, 0.2, None], [3.0, None, 0.5]],
    }
    assert pair_series([]) == {"labels": [], "points": []}


def test_funding_series_is_each_exchanges_rate_per_day():
    from feeds.funding import Funding

    records = [
        Funding("okx", "BTC-USDT-SWAP", "BTC/USDT:USDT", Decimal("0.0001"), 8, 2_000, 1_000),
        Funding("bybit", "BTCUSDT", "BTC/USDT:USDT", Decimal("-0.00005"), 4, 2_000, 1_500),
        Funding("binance", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0002"), 1, 2_000, 500),
    ]
    assert funding_series(records) == [
        # 0.02 % every hour: 0.48 %/day; −0.005 % every 4 h: −0.03 %/day; 0.01 % every 8 h: 0.03 %/day.
        {"exchange": "binance", "daily_pct": 0.48, "rate_pct": 0.02, "interval_h": 1, "ts": 0.5},
        {"exchange": "bybit", "daily_pct": -0.03, "rate_pct": -0.005, "interval_h": 4, "ts": 1.5},
        {"exchange": "okx", "daily_pct": 0.03, "rate_pct": 0.01, "interval_h": 8, "ts": 1.0},
    ]
