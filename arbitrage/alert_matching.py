"""Which alerts an opportunity's change raises: matched against the rule index in the
engine's loop, held until the engine hands them on (arbitrage.alerting, every ALERT_FLUSH_S).

An opportunity alerts when it opens and again each time its net spread grows another
`growth_step_pct` past the spread it last matched at; a user with fees of their own is told
the figures at their fees. No I/O here: the engine loads the rules and sends the matches.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbitrage.depth_levels import LevelsOf
from arbitrage.fee_tables import net_figures
from arbitrage.messages import MessageOf
from arbitrage.rule_matching import RuleIndex
from arbitrage.tracker import Changes


class AlertMatcher:
    def __init__(self, growth_step_pct: Decimal) -> None:
        self.rules = RuleIndex()
        self.growth_step_pct = growth_step_pct
        self.marks: dict[str, Decimal] = {}  # opportunity id -> net spread last matched at
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
            message = None
            funding_pct = None
            if self.rules.uses_edge:  # a rule on funding-adjusted edge: the funding /ws shows
                message = message_of(opportunity, at_ms)
                funding_pct = message.funding.funding_pct if message.funding is not None else None
            matched = self.rules.match(opportunity, at_ms, funding_pct)
            if matched:
                message = message or message_of(opportunity, at_ms)
                payload = msgspec.to_builtins(message)
                levels = levels_of(opportunity, at_ms) if levels_of is not None and message.depth is not None else None
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
