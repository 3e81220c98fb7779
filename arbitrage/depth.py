"""Each exchange's latest depth per instrument, kept by the engine, and what an open opportunity
yields walked through both legs' books (arbitrage/depth_walk.py).

Pure: no Django, no I/O. Depth counts only while it is as fresh as a quote must be: a leg whose
depth is older than its exchange's quote max age (or never came) leaves the opportunity without
depth figures, and its top-of-book figures are all there is.
"""

from __future__ import annotations

from collections.abc import Iterable

from arbitrage.depth_levels import EncodedLevels, encode_levels
from arbitrage.depth_walk import DepthFill, Levels, walk_books
from arbitrage.spreads import units_of
from arbitrage.tracker import OpenOpportunity, OpportunityTracker
from feeds.depth import Depth


class DepthBook:
    def __init__(self) -> None:
        self.latest: dict[tuple[str, str], Depth] = {}  # (exchange, instrument) -> its latest depth

    def apply(self, records: list[Depth]) -> None:
        latest = self.latest
        for record in records:
            latest[record.exchange, record.instrument] = record

    def fresh(self, exchange: str, instrument: str, max_age_ms: int, now_ms: int) -> Depth | None:
        record = self.latest.get((exchange, instrument))
        # A book ages from its arrival, not from its exchange time as a quote does
        # (arbitrage.read_model): depth streams pushed on a timer (Binance's every 100 ms) stamp
        # a quiet book with its last trade, long ago though the book is current.
        if record is None or now_ms - record.recv_ns // 1_000_000 > max_age_ms:
            return None
        return record

    def legs_for(
        self, opportunity: OpenOpportunity, tracker: OpportunityTracker, now_ms: int
    ) -> tuple[Levels, Levels] | None:
        """The buy leg's asks and the sell leg's bids per coin; None unless both legs have fresh depth."""
        buy, sell = opportunity.buy, opportunity.sell
        ages = tracker.max_age_ms
        buy_depth = self.fresh(buy.exchange, buy.instrument, ages.get(buy.exchange, tracker.default_max_age_ms), now_ms)
        if buy_depth is None:
            return None
        sell_age = ages.get(sell.exchange, tracker.default_max_age_ms)
        sell_depth = self.fresh(sell.exchange, sell.instrument, sell_age, now_ms)
        if sell_depth is None:
            return None
        return per_coin(buy_depth.asks, buy.instrument), per_coin(sell_depth.bids, sell.instrument)

    def fill_for(self, opportunity: OpenOpportunity, tracker: OpportunityTracker, now_ms: int) -> DepthFill | None:
        """The opportunity walked up the buy leg's asks and down the sell leg's bids at the
        tracker's fees; None unless both legs have fresh depth."""
        legs = self.legs_for(opportunity, tracker, now_ms)
        if legs is None:
            return None
        buy, sell = opportunity.buy, opportunity.sell
        return walk_books(*legs, tracker.fee_pct(buy.exchange), tracker.fee_pct(sell.exchange))

    def levels_for(
        self, opportunity: OpenOpportunity, tracker: OpportunityTracker, now_ms: int
    ) -> EncodedLevels | None:
        """What fill_for walks, cut to what a walk at any fees reads and encoded to travel beside
        the opportunity (arbitrage/depth_levels.py); None where it has no depth."""
        legs = self.legs_for(opportunity, tracker, now_ms)
        if legs is None or not legs[0] or not legs[1]:
            return None
        return encode_levels(*legs)


def per_coin(levels: list[tuple], instrument: str) -> Levels:
    """Levels in the instrument's units as prices and sizes per coin, as spreads.exact_spread
    reads a quote (`1000PEPE` at 0.012 is PEPE at 0.000012, and 1000 times the size)."""
    multiplier = units_of(instrument).multiplier
    if multiplier == 1:
        return levels
    return [(price / multiplier, size * multiplier) for price, size in levels]


def opportunities_on(records: list[Depth], opportunities: Iterable[OpenOpportunity]) -> list[OpenOpportunity]:
    """The opportunities one of whose legs `records` holds a book of: their `depth` has moved."""
    legs = {(record.exchange, record.instrument) for record in records}
    return [
        opportunity
        for opportunity in opportunities
        if (opportunity.buy.exchange, opportunity.buy.instrument) in legs
        or (opportunity.sell.exchange, opportunity.sell.instrument) in legs
    ]
