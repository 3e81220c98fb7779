"""Each market's best net spread over the last half hour, and its best exchange pairs' while a
page charts it, for the charts the pages show.

The engine samples every market every SPREAD_SAMPLE_S and publishes only the histories some
page is charting (the markets watched by name, from presence); the Instrument page reads them
back from the cache (arbitrage.quote_cache.read_chart_history) and draws the funding the engine
keeps (arbitrage.quote_cache.read_funding) beside them. Pure: no Django.
"""

from __future__ import annotations

from collections import Counter, deque

from arbitrage.funding import daily_rate_pct
from arbitrage.tracker import OpportunityTracker
from feeds.funding import Funding

SPREAD_SAMPLE_S = 2.0
SPREAD_HISTORY_POINTS = 900  # 30 minutes at one point every 2 s
# A charted market has up to n × (n − 1) pairs; each sample keeps its best few, and the chart
# draws the few that were most often among them: lines a trader can tell apart.
PAIRS_SAMPLED = 5
PAIRS_CHARTED = 5


def pair_label(buy_exchange: str, sell_exchange: str) -> str:
    return f"{buy_exchange} → {sell_exchange}"


class SpreadCharts:
    def __init__(self) -> None:
        self.history: dict[str, deque[tuple[int, float]]] = {}  # market group -> (ms, net spread %)
        # charted market group -> (ms, {"buy → sell": net spread %}) of its best pairs then
        self.pair_history: dict[str, deque[tuple[int, dict[str, float]]]] = {}
        self.charted_groups: set[str] = set()  # markets whose spread history a page shows

    def sample(self, tracker: OpportunityTracker, at_ms: int) -> None:
        """One point per market that has a best net spread now; and, for the charted markets
        only (pairs cost n² per market), the net spread of each of their best pairs."""
        for group in tracker.markets:
            value = tracker.best_net_spread_pct(group, at_ms)
            if value is not None:
                history = self.history.get(group)
                if history is None:
                    history = self.history[group] = deque(maxlen=SPREAD_HISTORY_POINTS)
                history.append((at_ms, round(value, 6)))
        for group in list(self.pair_history):
            if group not in self.charted_groups:
                del self.pair_history[group]  # no page charts it now: its pairs start afresh
        for group in self.charted_groups:
            pairs = tracker.pair_net_spreads_pct(group, at_ms)
            if pairs:
                best = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:PAIRS_SAMPLED]
                history = self.pair_history.get(group)
                if history is None:
                    history = self.pair_history[group] = deque(maxlen=SPREAD_HISTORY_POINTS)
                history.append((at_ms, {pair_label(*pair): round(value, 6) for pair, value in best}))

    def charted(self) -> dict[str, dict[str, list]]:
        """The histories some page is charting, to publish: group -> {"best", "pairs"}."""
        return {
            g: {"best": list(self.history[g]), "pairs": list(self.pair_history.get(g, ()))}
            for g in self.charted_groups
            if g in self.history
        }


def pair_series(history: list[tuple[int, dict[str, float]]], limit: int = PAIRS_CHARTED) -> dict:
    """The chart's pair lines: the `limit` pairs most often among a sample's best (ties: the
    better now), and their points [seconds, % or None per pair] where a sample had any of them."""
    seen = Counter(label for _, pairs in history for label in pairs)
    latest = history[-1][1] if history else {}
    labels = sorted(seen, key=lambda label: (-seen[label], -latest.get(label, float("-inf")), label))[:limit]
    points = [
        [at_ms / 1000, *(pairs.get(label) for label in labels)]
        for at_ms, pairs in history
        if any(label in pairs for label in labels)
    ]
    return {"labels": labels, "points": points}


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
