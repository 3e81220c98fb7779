"""Each market's best net spread over the last half hour, for the charts the pages show.

The engine samples every market every SPREAD_SAMPLE_S and publishes only the histories some
page is charting (the markets watched by name, from presence); the Opportunities page reads
them back from the cache (arbitrage.quote_cache.read_spread_history). Pure: no Django.
"""

from __future__ import annotations

from collections import deque

from arbitrage.tracker import OpportunityTracker

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
