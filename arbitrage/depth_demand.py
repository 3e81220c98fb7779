"""Which books the feeds should stream: both legs of every open opportunity and of every pair
within a few basis points of opening. Pure: no Django, no I/O.

Depth streams cost the exchange's connection limits, the feed's parsing and the engine's
walking (ten levels a side, up to fifty times a second on Bybit), and they matter only where
a trader may act. So the engine asks for them on demand: a leg is wanted while it is part of
an open or near pair, and for `linger_ms` after, so that a gap flickering around break-even
does not subscribe and unsubscribe at every tick. Each exchange is asked for at most
`max_per_exchange` books, the most promising first.
"""

from __future__ import annotations

from collections.abc import Iterable

from arbitrage.spreads import units_of
from arbitrage.tracker import OpportunityTracker

Leg = tuple[str, str]  # exchange, canonical instrument
OPEN_SCORE = float("inf")  # an open opportunity's legs come before any near pair's


def scored_legs(tracker: OpportunityTracker, near_fraction: float, now_ms: int) -> dict[Leg, float]:
    """Every leg of an open pair (scored first) or of a fresh pair whose net spread, after both
    taker fees, is at least -near_fraction; each scored by the best net spread it takes part in.

    Per market only the cheapest effective ask and the dearest effective bid can make the best
    pair: a market whose best pair is not near is skipped after one pass over its legs.
    """
    scores: dict[Leg, float] = {}
    for buy_exchange, buy_instrument, sell_exchange, sell_instrument in tracker.open:
        scores[buy_exchange, buy_instrument] = OPEN_SCORE
        scores[sell_exchange, sell_instrument] = OPEN_SCORE
    floor = -near_fraction
    for market in tracker.markets.values():
        if len(market) < 2:
            continue
        legs = [
            (leg, entry.ask * (1 + entry.fee), entry.bid * (1 - entry.fee))
            for leg, entry in market.items()
            if now_ms <= entry.stale_after_ms  # fresh by the read model's rule, as the tracker judges it
        ]
        if len(legs) < 2:
            continue
        cheapest = min(cost for _, cost, _ in legs)
        dearest = max(proceeds for _, _, proceeds in legs)
        if dearest / cheapest - 1 < floor:
            continue
        for buy_leg, cost, _ in legs:
            for sell_leg, _, proceeds in legs:
                if buy_leg[0] == sell_leg[0]:
                    continue
                if not tracker.allow_cross_quote and units_of(buy_leg[1]).quote != units_of(sell_leg[1]).quote:
                    continue
                net = proceeds / cost - 1
                if net >= floor:
                    for leg in (buy_leg, sell_leg):
                        if net > scores.get(leg, -1.0):
                            scores[leg] = net
    return scores


class DepthDemand:
    def __init__(self, *, near_bps: float, linger_ms: int, max_per_exchange: int) -> None:
        self.near_fraction = near_bps / 10_000
        self.linger_ms = linger_ms
        self.max_per_exchange = max_per_exchange
        self.last_wanted_ms: dict[Leg, int] = {}
        self.last_score: dict[Leg, float] = {}

    def wanted(self, tracker: OpportunityTracker, now_ms: int) -> dict[str, list[str]]:
        """Exchange -> the instruments whose books it should stream now, sorted."""
        scores = scored_legs(tracker, self.near_fraction, now_ms)
        for leg, score in scores.items():
            self.last_wanted_ms[leg] = now_ms
            self.last_score[leg] = score
        for leg, seen_ms in list(self.last_wanted_ms.items()):
            if now_ms - seen_ms > self.linger_ms:
                del self.last_wanted_ms[leg]
                del self.last_score[leg]
        return self._capped(self.last_wanted_ms)

    def _capped(self, legs: Iterable[Leg]) -> dict[str, list[str]]:
        by_exchange: dict[str, list[Leg]] = {}
        for leg in legs:
            by_exchange.setdefault(leg[0], []).append(leg)
        wanted = {}
        for exchange, exchange_legs in by_exchange.items():
            # Wanted now before lingering, then the best spread, then a stable order.
            exchange_legs.sort(key=lambda leg: (-self.last_wanted_ms[leg], -self.last_score[leg], leg[1]))
            wanted[exchange] = sorted(instrument for _, instrument in exchange_legs[: self.max_per_exchange])
        return wanted
