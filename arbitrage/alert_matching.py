"""Which alerts an opportunity's change raises: matched against the rule index in the
engine's loop, held until the engine hands them on (arbitrage.alerting, every ALERT_FLUSH_S).

An opportunity alerts when it opens and again each time its net spread grows another
`growth_step_pct` past the spread it last matched at; a user with fees of their own is told
the figures at their fees. Rules on depth are matched again each time the opportunity's books
walk differently (`on_depth`): its books are asked for only once it is open or near
(arbitrage.depth_demand), so they mostly arrive after it opened. Each such rule alerts once
per life that way. No I/O here: the engine loads the rules and sends the matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import msgspec

from arbitrage.depth_levels import EncodedLevels, LevelsOf
from arbitrage.fee_tables import net_figures, walked_depth
from arbitrage.messages import MessageOf, OpportunityDepth, OpportunityMessage
from arbitrage.rule_matching import DepthAt, RuleIndex, RuleSpec
from arbitrage.tracker import Changes, OpenOpportunity


class AlertMatcher:
    def __init__(self, growth_step_pct: Decimal) -> None:
        self.rules = RuleIndex()
        self.growth_step_pct = growth_step_pct
        self.marks: dict[str, Decimal] = {}  # opportunity id -> net spread last matched at
        self.sent: dict[str, set[int]] = {}  # opportunity id -> the rules it alerted
        self.pending: list[tuple[int, dict]] = []  # (rule id, opportunity message), to send

    def match(self, changes: Changes, message_of: MessageOf, at_ms: int, levels_of: LevelsOf | None = None) -> None:
        """Match an opening opportunity, and one that grew a step past its last match, against
        the rules (`message_of`: the opportunity as /ws carries it, funding leg and depth
        included; `levels_of`: the levels its depth walked, walked again at a user's own fees)."""
        step = self.growth_step_pct
        for opportunity in changes.opened + changes.updated:
            net = opportunity.spread.net_spread_pct
            mark = self.marks.get(opportunity.id)
            if mark is not None and net < mark + step:
                continue
            self.marks[opportunity.id] = net
            self._match(self.rules, opportunity, message_of, at_ms, levels_of)

    def on_depth(
        self,
        opportunities: Iterable[OpenOpportunity],
        message_of: MessageOf,
        at_ms: int,
        levels_of: LevelsOf | None = None,
    ) -> None:
        """Open opportunities whose books now walk differently: the rules on depth they meet
        and have not alerted yet in this life."""
        rules = self.rules.on_depth()
        if not rules.size:
            return
        for opportunity in opportunities:
            self._match(rules, opportunity, message_of, at_ms, levels_of, skip=self.sent.get(opportunity.id))

    def _match(
        self,
        rules: RuleIndex,
        opportunity: OpenOpportunity,
        message_of: MessageOf,
        at_ms: int,
        levels_of: LevelsOf | None,
        skip: set[int] | None = None,
    ) -> None:
        message: OpportunityMessage | None = None
        funding_pct = None
        if rules.uses_edge or rules.uses_depth:  # the funding and depth /ws shows
            message = message_of(opportunity, at_ms)
            if message.funding is not None:
                funding_pct = message.funding.funding_pct
        levels = None
        if message is not None and message.depth is not None and levels_of is not None:
            levels = levels_of(opportunity, at_ms)
        depth_at = _depth_at(message, levels) if rules.uses_depth else None
        matched = rules.match(opportunity, at_ms, funding_pct, depth_at)
        if skip:
            matched = [rule for rule in matched if rule.id not in skip]
        if matched:
            self._queue(matched, opportunity, message or message_of(opportunity, at_ms), at_ms, levels_of, levels)

    def _queue(
        self,
        matched: list[RuleSpec],
        opportunity: OpenOpportunity,
        message: OpportunityMessage,
        at_ms: int,
        levels_of: LevelsOf | None,
        levels: EncodedLevels | None,
    ) -> None:
        payload = msgspec.to_builtins(message)
        if levels is None and levels_of is not None and message.depth is not None:
            levels = levels_of(opportunity, at_ms)
        self.sent.setdefault(opportunity.id, set()).update(rule.id for rule in matched)
        at_fees: dict[tuple[Decimal, Decimal], dict] = {}  # one walk per fee group, not per rule
        for rule in matched:
            # A user with fees of their own is told the figures (depth too) at their fees.
            fees = self.rules.own_taker_fees(rule.user_id, opportunity)
            if fees is None:
                self.pending.append((rule.id, payload))
                continue
            mine = at_fees.get(fees)
            if mine is None:
                mine = at_fees[fees] = {**payload, **net_figures(payload, *fees, levels)}
            self.pending.append((rule.id, mine))

    def forget(self, opportunity_id: str) -> None:
        """A closed opportunity: the next life of its pair alerts afresh."""
        self.marks.pop(opportunity_id, None)
        self.sent.pop(opportunity_id, None)


def _depth_at(message: OpportunityMessage | None, levels: EncodedLevels | None) -> DepthAt:
    """The opportunity's walk at the engine's fees (its message's), or its carried levels
    walked again at a user's own (arbitrage.fee_tables): None where its books are not known."""
    walks: dict[tuple[Decimal, Decimal], OpportunityDepth | None] = {}

    def depth_at(fees: tuple[Decimal, Decimal] | None) -> OpportunityDepth | None:
        if message is None or message.depth is None:
            return None
        if fees is None:
            return message.depth
        if fees not in walks:
            walks[fees] = walked_depth(levels, *fees)
        return walks[fees]

    return depth_at
