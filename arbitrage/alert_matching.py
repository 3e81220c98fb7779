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
from arbitrage.rule_matching import RuleIndex
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
            sent = self.sent.get(opportunity.id)
            if sent is not None and rules.ids <= sent:
                continue  # every rule on depth has told of it: nothing left to walk for
            self._match(rules, opportunity, message_of, at_ms, levels_of, skip=sent)

    def _match(
        self,
        rules: RuleIndex,
        opportunity: OpenOpportunity,
        message_of: MessageOf,
        at_ms: int,
        levels_of: LevelsOf | None,
        skip: set[int] | None = None,
    ) -> None:
        # Its message (funding leg and depth, as /ws shows them) and carried levels are worked
        # out only once a rule needs them, and at most once.
        found = _Lazy(opportunity, message_of, levels_of, at_ms)
        funding_pct = None
        if rules.uses_edge:
            funding = found.message().funding
            funding_pct = funding.funding_pct if funding is not None else None
        matched = rules.match(opportunity, at_ms, funding_pct, found.depth_at if rules.uses_depth else None, skip or ())
        if not matched:
            return
        message = found.message()
        payload = msgspec.to_builtins(message)
        levels = found.levels()
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


class _Lazy:
    """One opportunity's message, carried levels and depth walks, each worked out on first use."""

    def __init__(self, opportunity: OpenOpportunity, message_of: MessageOf, levels_of: LevelsOf | None, at_ms: int):
        self._args = (opportunity, at_ms)
        self._message_of, self._levels_of = message_of, levels_of
        self._message: OpportunityMessage | None = None
        self._levels: EncodedLevels | None = None
        self._levels_read = False
        self._walks: dict[tuple[Decimal, Decimal], OpportunityDepth | None] = {}

    def message(self) -> OpportunityMessage:
        if self._message is None:
            self._message = self._message_of(*self._args)
        return self._message

    def levels(self) -> EncodedLevels | None:
        """The levels its depth walked, to walk again at a user's own fees; None without depth."""
        if not self._levels_read:
            self._levels_read = True
            if self._levels_of is not None and self.message().depth is not None:
                self._levels = self._levels_of(*self._args)
        return self._levels

    def depth_at(self, fees: tuple[Decimal, Decimal] | None) -> OpportunityDepth | None:
        """Its walk at the engine's fees (its message's), or again at a user's own
        (arbitrage.fee_tables); None where its books are not known."""
        depth = self.message().depth
        if depth is None or fees is None:
            return depth
        if fees not in self._walks:
            self._walks[fees] = walked_depth(self.levels(), *fees)
        return self._walks[fees]
