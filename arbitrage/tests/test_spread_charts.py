"""Each market's best net spread, sampled into a bounded history; only the charted ones leave."""

from __future__ import annotations

from arbitrage.spread_charts import SPREAD_HISTORY_POINTS, SpreadCharts, funding_series


class Markets:
    """What the charts read of the tracker: its markets and each one's best net spread now."""

    def __init__(self, spreads: dict[str, float | None]) -> None:
        self.markets = spreads
        self.spreads = spreads

    def best_net_spread_pct(self, group: str, at_ms: int) -> float | None:
        return self.spreads[group]


def test_only_the_markets_a_page_charts_are_published():
    charts = SpreadCharts()
    charts.sample(Markets({"BTC/USDT": 0.1234567, "ETH/USDT": -0.05, "SOL/USDT": None}), 1_000)
    charts.charted_groups = {"BTC/USDT", "SOL/USDT"}
    assert charts.charted() == {"BTC/USDT": [(1_000, 0.123457)]}  # SOL had no spread to record
    assert list(charts.history) == ["BTC/USDT", "ETH/USDT"]


def test_a_history_keeps_its_last_points_only():
    charts = SpreadCharts()
    charts.charted_groups = {"BTC/USDT"}
    for n in range(SPREAD_HISTORY_POINTS + 5):
        charts.sample(Markets({"BTC/USDT": float(n)}), n)
    points = charts.charted()["BTC/USDT"]
    assert len(points) == SPREAD_HISTORY_POINTS
    assert points[0] == (5, 5.0) and points[-1] == (SPREAD_HISTORY_POINTS + 4, float(SPREAD_HISTORY_POINTS + 4))


def test_funding_series_is_each_exchanges_rate_per_day():
    from decimal import Decimal

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
