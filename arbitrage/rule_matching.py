"""Which users' alert rules an opportunity satisfies, fast enough for the engine's loop.

Pure: no Django. Rules are indexed by instrument (plus one list for "any instrument") and kept
sorted by their minimum net spread, so an opportunity only looks at rules it can satisfy:
with 10,000 rules, matching costs what the few candidates cost.

A user who set taker fees of their own (Settings) has their rules matched against the
opportunity's net figures at their fees (`net_after_fees`, as the engine's own), and only when
the opportunity has a leg on one of those exchanges; every other match costs what it did.

A rule on funding-adjusted edge (`min_edge_pct`) compares the net spread it is matched at (its
owner's or the engine's) plus the opportunity's funding over the holding period, which the
caller works out only when some rule needs it (`RuleIndex.uses_edge`).

A rule on depth (`min_depth_size_base`, `min_depth_profit_quote`) compares the most profitable
fill walking both legs' books at its owner's fees (arbitrage/depth_walk.py): an opportunity
whose books are not known does not meet it, and is matched again when they arrive
(arbitrage/alert_matching.py). The caller walks the books once per fee tier in use, and only
when some rule needs it (`RuleIndex.uses_depth`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from arbitrage.read_model import quote_stale_after_ms
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, net_after_fees
from arbitrage.tracker import OpenOpportunity


class DepthFigures(Protocol):
    """What a rule on depth reads of a walk (arbitrage.depth_walk.DepthFill, or its message form)."""

    size_base: Decimal
    profit_quote: Decimal


OwnFeePair = tuple[Decimal | None, Decimal | None]  # a user's own fee on the buy and sell exchange
# The opportunity's books walked at (buy fee, sell fee); None: the engine's fees. Returns None
# where the books are not known.
DepthAt = Callable[[tuple[Decimal, Decimal] | None], DepthFigures | None]
# The same at one rule's fees, asked only when a rule on depth gets that far: building an
# opportunity's message and walking its books cost more than every other test of a rule.
DepthOf = Callable[[], DepthFigures | None]


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
    # The depth walk's size (coins) and net profit (quote currency) at the owner's fees; an
    # opportunity whose books are not known does not meet them.
    min_depth_size_base: Decimal | None = None
    min_depth_profit_quote: Decimal | None = None

    @property
    def uses_depth(self) -> bool:
        return self.min_depth_size_base is not None or self.min_depth_profit_quote is not None

    def accepts(
        self,
        opportunity: OpenOpportunity,
        now_ms: int,
        net: tuple[Decimal, Decimal] | None = None,
        funding_pct: Decimal | None = None,
        depth: DepthOf | None = None,
    ) -> bool:
        """`net`: (net spread %, profit) at the rule's owner's own fees; the engine's otherwise.
        `funding_pct`: the opportunity's funding over the holding period, None if not known.
        `depth`: gives its books walked at the same fees (None if not known), asked last."""
        spread = opportunity.spread
        buy, sell = opportunity.buy, opportunity.sell
        net_spread_pct, profit_quote = net or (spread.net_spread_pct, spread.profit_quote)
        if self.buy_exchanges and buy.exchange not in self.buy_exchanges:
            return False
        if self.sell_exchanges and sell.exchange not in self.sell_exchanges:
            return False
        if net_spread_pct < self.min_net_spread_pct:
            return False
        if self.min_size_base is not None and spread.size_base < self.min_size_base:
            return False
        if self.min_profit_quote is not None and profit_quote < self.min_profit_quote:
            return False
        if self.min_edge_pct is not None and (funding_pct is None or net_spread_pct + funding_pct < self.min_edge_pct):
            return False
        if self.uses_depth:
            depth = depth() if depth is not None else None
            if depth is None:
                return False
            if self.min_depth_size_base is not None and depth.size_base < self.min_depth_size_base:
                return False
            if self.min_depth_profit_quote is not None and depth.profit_quote < self.min_depth_profit_quote:
                return False
        if self.max_quote_age_ms is not None:
            # The older leg's age, as the pages show it (arbitrage.read_model).
            limit_ms = self.max_quote_age_ms
            if now_ms > quote_stale_after_ms(buy, limit_ms) or now_ms > quote_stale_after_ms(sell, limit_ms):
                return False
        return True


class _Bucket:
    """Rules sorted by minimum net spread: the ones an opportunity can meet are a prefix."""

    def __init__(self, rules: list[RuleSpec]) -> None:
        self.rules = sorted(rules, key=lambda rule: rule.min_net_spread_pct)
        self.thresholds = [rule.min_net_spread_pct for rule in self.rules]

    def candidates(self, net_spread_pct: Decimal) -> list[RuleSpec]:
        return self.rules[: bisect.bisect_right(self.thresholds, net_spread_pct)]


class _Rules:
    """Rules by instrument, plus those on any instrument, each sorted by minimum net spread."""

    def __init__(self, rules: Iterable[RuleSpec]) -> None:
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

    def match(
        self,
        opportunity: OpenOpportunity,
        now_ms: int,
        net: tuple[Decimal, Decimal] | None = None,
        skip_users: frozenset[int] | set[int] = frozenset(),
        funding_pct: Decimal | None = None,
        depth: DepthOf | None = None,
        skip_rules: Collection[int] = (),
    ) -> list[RuleSpec]:
        net_spread_pct = opportunity.spread.net_spread_pct if net is None else net[0]
        seen: set[int] = set(skip_rules)
        matched = []
        buckets = [self._any]
        for instrument in {opportunity.buy.instrument, opportunity.sell.instrument}:
            if (bucket := self._by_instrument.get(instrument)) is not None:
                buckets.append(bucket)
        for bucket in buckets:
            for rule in bucket.candidates(net_spread_pct):
                if rule.id in seen or (skip_users and rule.user_id in skip_users):
                    continue
                if rule.accepts(opportunity, now_ms, net, funding_pct, depth):
                    seen.add(rule.id)
                    matched.append(rule)
        return matched


class RuleIndex:
    """Every active rule; `own_fees` (user id -> exchange -> their own taker fee, percent) for the
    users who set any, and `admin_fee_pct` the fee of an exchange they did not set one for (the
    engine's: `OpportunityTracker.fee_pct`, read at each match so an admin's change applies).

    The rules of users with fees of their own are grouped, per pair of exchanges, by the fees
    they set on that pair: an opportunity computes one net figure per fee tier in use there, not
    one per user, and users with no fee on either exchange cost nothing."""

    def __init__(
        self,
        rules: Iterable[RuleSpec] = (),
        own_fees: Mapping[int, Mapping[str, Decimal]] | None = None,
        admin_fee_pct: Callable[[str], Decimal] | None = None,
    ) -> None:
        rules = list(rules)
        self._specs = rules
        self._depth_rules: RuleIndex | None = None
        self._all = _Rules(rules)
        self.size = self._all.size
        by_user: dict[int, list[RuleSpec]] = {}
        for rule in rules:
            by_user.setdefault(rule.user_id, []).append(rule)
        self.own_fees = {user: dict(fees) for user, fees in (own_fees or {}).items() if fees and user in by_user}
        self.admin_fee_pct = admin_fee_pct or (lambda exchange: DEFAULT_TAKER_FEE_PCT)
        self._own_rules = {user: by_user[user] for user in self.own_fees}
        # (buy exchange, sell exchange) -> (users with a fee of their own on either, their rules by those fees)
        self._pairs: dict[tuple[str, str], tuple[frozenset[int], list[tuple[OwnFeePair, _Rules]]]] = {}
        # Whether the caller needs to work out the funding, or walk the books, before matching at all.
        self.uses_edge = any(rule.min_edge_pct is not None for rule in rules)
        self.uses_depth = any(rule.uses_depth for rule in rules)
        self.ids = frozenset(rule.id for rule in rules)

    def _pair(self, buy: str, sell: str) -> tuple[frozenset[int], list[tuple[OwnFeePair, _Rules]]]:
        found = self._pairs.get((buy, sell))
        if found is None:
            affected: set[int] = set()
            by_fees: dict[OwnFeePair, list[RuleSpec]] = {}
            for user, fees in self.own_fees.items():
                key = (fees.get(buy), fees.get(sell))
                if key != (None, None):
                    affected.add(user)
                    by_fees.setdefault(key, []).extend(self._own_rules[user])
            found = (frozenset(affected), [(key, _Rules(found)) for key, found in by_fees.items()])
            self._pairs[(buy, sell)] = found
        return found

    def _fees(self, own: OwnFeePair, opportunity: OpenOpportunity) -> tuple[Decimal, Decimal]:
        own_buy, own_sell = own
        return (
            self.admin_fee_pct(opportunity.buy.exchange) if own_buy is None else own_buy,
            self.admin_fee_pct(opportunity.sell.exchange) if own_sell is None else own_sell,
        )

    def own_taker_fees(self, user_id: int, opportunity: OpenOpportunity) -> tuple[Decimal, Decimal] | None:
        """(buy fee, sell fee) the user pays on the opportunity's legs, when they set their own
        fee on either exchange; None when the engine's figures are theirs."""
        fees = self.own_fees.get(user_id)
        if fees is None:
            return None
        own = (fees.get(opportunity.buy.exchange), fees.get(opportunity.sell.exchange))
        return None if own == (None, None) else self._fees(own, opportunity)

    def match(
        self,
        opportunity: OpenOpportunity,
        now_ms: int,
        funding_pct: Decimal | None = None,
        depth_at: DepthAt | None = None,
        skip: Collection[int] = (),
    ) -> list[RuleSpec]:
        """The rules the opportunity meets; `funding_pct` its funding over the holding period,
        None if not known (rules on edge are then not met); `depth_at` walks its books at given
        fees, asked only when a rule is on depth (None: not known, rules on depth not met); `skip`:
        rules not to match (they have told of it already)."""
        walk = depth_at if self.uses_depth and depth_at is not None else None
        engine_depth = (lambda: walk(None)) if walk is not None else None
        if not self.own_fees:
            return self._all.match(opportunity, now_ms, funding_pct=funding_pct, depth=engine_depth, skip_rules=skip)
        affected, groups = self._pair(opportunity.buy.exchange, opportunity.sell.exchange)
        if not affected:
            return self._all.match(opportunity, now_ms, funding_pct=funding_pct, depth=engine_depth, skip_rules=skip)
        matched = self._all.match(
            opportunity, now_ms, skip_users=affected, funding_pct=funding_pct, depth=engine_depth, skip_rules=skip
        )
        spread = opportunity.spread
        for own, rules in groups:
            fees = self._fees(own, opportunity)
            net = net_after_fees(spread.buy_price, spread.sell_price, spread.size_base, *fees)
            depth = (lambda fees=fees: walk(fees)) if walk is not None else None
            matched += rules.match(opportunity, now_ms, net, funding_pct=funding_pct, depth=depth, skip_rules=skip)
        return matched

    def on_depth(self) -> RuleIndex:
        """The rules on depth alone, with the same owners' fees: what an opportunity whose
        books changed is matched against again."""
        found = self._depth_rules
        if found is None:
            specs = [rule for rule in self._specs if rule.uses_depth]
            found = self._depth_rules = RuleIndex(specs, self.own_fees, self.admin_fee_pct)
        return found
