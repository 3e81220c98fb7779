"""Each market's best net spread, sampled into a bounded history; only the charted ones leave."""

from __future__ import annotations

from arbitrage.spread_charts import SPREAD_HISTORY_POINTS, SpreadCharts


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
