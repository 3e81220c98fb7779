"""Which users' alert rules an opportunity satisfies, fast enough for the engine's loop.

Pure: no Django. Rules are indexed by instrument (plus one list for "any instrument") and kept
sorted by their minimum net spread, so an opportunity only looks at rules it can satisfy:
with 10,000 rules, matching costs what the few candidates cost.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from arbitrage.tracker import OpenOpportunity


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: int
    user_id: int
    instruments: frozenset[str]  # empty: any
    buy_exchanges: frozenset[str]  # empty: any
    sell_exchanges: frozenset[str]  # empty: any
    min_net_spread_pct: Decimal
    min_size_base: Decimal | None = None
    min_profit_quote: Decimal | None = None
    max_quote_age_ms: int | None = None
    # Net spread + funding over the default holding period (arbitrage/funding.py); an opportunity
    # whose legs' funding is not known does not meet it.
    min_edge_pct: Decimal | None = None

    def accepts(self, opportunity: OpenOpportunity, now_ms: int, edge_pct: Decimal | None = None) -> bool:
        spread = opportunity.spread
        buy, sell = opportunity.buy, opportunity.sell
        if self.buy_exchanges and buy.exchange not in self.buy_exchanges:
            return False
        if self.sell_exchanges and sell.exchange not in self.sell_exchanges:
            return False
        if spread.net_spread_pct < self.min_net_spread_pct:
            return False
        if self.min_size_base is not None and spread.size_base < self.min_size_base:
            return False
        if self.min_profit_quote is not None and spread.profit_quote < self.min_profit_quote:
            return False
        if self.min_edge_pct is not None and (edge_pct is None or edge_pct < self.min_edge_pct):
            return False
        if self.max_quote_age_ms is not None:
            oldest_recv_ms = min(buy.recv_ns, sell.recv_ns) // 1_000_000
            if now_ms - oldest_recv_ms > self.max_quote_age_ms:
                return False
        return True


class _Bucket:
    """Rules sorted by minimum net spread: the ones an opportunity can meet are a prefix."""

    def __init__(self, rules: list[RuleSpec]) -> None:
        self.rules = sorted(rules, key=lambda rule: rule.min_net_spread_pct)
        self.thresholds = [rule.min_net_spread_pct for rule in self.rules]

    def candidates(self, net_spread_pct: Decimal) -> list[RuleSpec]:
        return self.rules[: bisect.bisect_right(self.thresholds, net_spread_pct)]


class RuleIndex:
    def __init__(self, rules: Iterable[RuleSpec] = ()) -> None:
        rules = list(rules)
        by_instrument: dict[str, list[RuleSpec]] = {}
        any_instrument: list[RuleSpec] = []
        for rule in rules:
            if rule.instruments:
                for instrument in rule.instruments:
                    by_instrument.setdefault(instrument, []).append(rule)
            else:
                any_instrument.append(rule)
        self._by_instrument = {instrument: _Bucket(found) for instrument, found in by_instrument.items()}
        self._any = _Bucket(any_instrument)
        self.size = len(any_instrument) + sum(len(b.rules) for b in self._by_instrument.values())
        # Whether the caller needs to work out the funding edge before matching at all.
        self.uses_edge = any(rule.min_edge_pct is not None for rule in rules)

    def match(self, opportunity: OpenOpportunity, now_ms: int, edge_pct: Decimal | None = None) -> list[RuleSpec]:
        """The rules the opportunity meets; `edge_pct` its funding-adjusted edge, None if not known."""
        net = opportunity.spread.net_spread_pct
        seen: set[int] = set()
        matched = []
        buckets = [self._any]
        for instrument in {opportunity.buy.instrument, opportunity.sell.instrument}:
            if (bucket := self._by_instrument.get(instrument)) is not None:
                buckets.append(bucket)
        for bucket in buckets:
            for rule in bucket.candidates(net):
                if rule.id not in seen and rule.accepts(opportunity, now_ms, edge_pct):
                    seen.add(rule.id)
                    matched.append(rule)
        return matched
