"""Each market's best net spread over the last half hour, for the charts the pages show.

The engine samples every market every SPREAD_SAMPLE_S and publishes only the histories some
page is charting (the markets watched by name, from presence); the Opportunities page reads
them back from the cache (arbitrage.quote_cache.read_spread_history); the funding the engine
keeps (arbitrage.quote_cache.read_group_funding) is drawn beside it. Pure: no Django.
"""

from __future__ import annotations

from collections import deque

from arbitrage.funding import daily_rate_pct
from arbitrage.tracker import OpportunityTracker
from feeds.funding import Funding

SPREAD_SAMPLE_S = 2.0
SPREAD_HISTORY_POINTS = 900  # 30 minutes at one point every 2 s


class SpreadCharts:
    def __init__(self) -> None:
        self.history: dict[str, deque[tuple[int, float]]] = {}  # market group -> (ms, net spread %)
        self.charted_groups: set[str] = set()  # markets whose spread history a page shows

    def sample(self, tracker: OpportunityTracker, at_ms: int) -> None:
        """One point per market that has a best net spread now."""
        for group in tracker.markets:
            value = tracker.best_net_spread_pct(group, at_ms)
            if value is not None:
                history = self.history.get(group)
                if history is None:
                    history = self.history[group] = deque(maxlen=SPREAD_HISTORY_POINTS)
                history.append((at_ms, round(value, 6)))

    def charted(self) -> dict[str, list[tuple[int, float]]]:
        """The histories some page is charting, to publish."""
        return {g: list(self.history[g]) for g in self.charted_groups if g in self.history}


def funding_series(records: list[Funding]) -> list[dict]:
    """Each exchange's current funding rate of one instrument, as its chart draws it beside the
    net spread: % of notional per day, so that 1 h, 4 h and 8 h intervals read on one axis and
    the gap between two exchanges' lines is what that pair earns per day (short the higher, long
    the lower: the Funding page's "per day"). One line per exchange rather than per pair: n
    exchanges make n lines, their pairs n × (n − 1), too many to read at a glance."""
    return [
        {
            "exchange": record.exchange,
            "daily_pct": float(round(daily_rate_pct(record), 6)),
            "rate_pct": float(round(record.rate * 100, 8)),
            "interval_h": record.interval_h,
            "ts": record.ts_ms / 1000,
        }
        for record in sorted(records, key=lambda r: r.exchange)
    ]
