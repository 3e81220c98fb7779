"""Alert rules on depth: the size and net profit of walking both legs' books at the rule's
owner's fees. Books are asked for once an opportunity is open or near, so they mostly arrive
after it opened: a rule on depth is matched again when they arrive, once per life.

The books and users are those of test_own_fees_depth: walking them gives carol (the admin's
0.05 %) 3 coins for 1.6986, alice (0 %) 3.5 coins for 2.05 and bob (0.2 %) 1.5 coins for 0.7968.
"""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
from channels.layers import get_channel_layer

from arbitrage.depth_walk import walk_books
from arbitrage.engine import Engine
from arbitrage.rule_matching import RuleIndex, RuleSpec
from arbitrage.tests.factories import make_quote
from arbitrage.tests.test_own_fees_depth import ADMIN, ASKS, BIDS, FEES, INSTRUMENT, books, depth_of, quotes
from lib.clock import now_ms

CAROL, ALICE, BOB = 1, 2, 3
OWN_FEES = {ALICE: {"binance": D("0"), "bybit": D("0")}, BOB: {"binance": D("0.2"), "bybit": D("0.2")}}


def rule(rule_id: int, user_id: int, **minimums) -> RuleSpec:
    return RuleSpec(rule_id, user_id, frozenset(), frozenset(), frozenset(), D("0"), **minimums)


def engine_with(*rules: RuleSpec) -> Engine:
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=FEES)
    engine.alerts.rules = RuleIndex(rules, own_fees=OWN_FEES, admin_fee_pct=ADMIN.__getitem__)
    return engine


def sent(engine: Engine) -> dict[int, tuple[str, str] | None]:
    found = {rule_id: (depth_of(payload) if payload["depth"] else None) for rule_id, payload in engine.alerts.pending}
    engine.alerts.pending.clear()
    return found


def test_a_rule_on_depth_waits_for_the_books_then_alerts_at_each_owners_fees():
    minimum = {"min_depth_profit_quote": D("1")}
    engine = engine_with(rule(1, CAROL, **minimum), rule(2, ALICE, **minimum), rule(3, BOB, **minimum))
    at = now_ms()
    quotes(engine, at)
    assert sent(engine) == {}  # open, but its books are not known yet

    engine.on_depth(books(at + 5), at_ms=at + 5)

    # bob's walk pays 0.7968 at his 0.2 %: under his 1.
    assert sent(engine) == {1: ("3.0", "1.69860000"), 2: ("3.5", "2.05000000")}


def test_a_minimum_depth_size_is_the_walks_size_at_the_owners_fees():
    engine = engine_with(
        *(rule(n, user, min_depth_size_base=D("3.2")) for n, user in ((1, CAROL), (2, ALICE), (3, BOB)))
    )
    at = now_ms()
    engine.on_depth(books(at), at_ms=at)
    quotes(engine, at)  # books known as it opens: matched at once

    assert sent(engine) == {2: ("3.5", "2.05000000")}


def test_a_rule_on_depth_alerts_once_per_life_and_afresh_in_the_next():
    engine = engine_with(rule(1, CAROL, min_depth_profit_quote=D("1")), rule(2, ALICE))
    at = now_ms()
    quotes(engine, at)
    assert list(sent(engine)) == [2]  # the rule without depth minimums, at the opening
    engine.on_depth(books(at + 5), at_ms=at + 5)
    assert list(sent(engine)) == [1]  # alice's rule is not sent again for the books

    [walked] = engine.depth_fills.values()
    binance, bybit = books(at + 10)
    engine.on_depth([binance, msgspec.structs.replace(bybit, bids=[(D("101"), D("3")), *BIDS[1:]])], at_ms=at + 10)
    assert list(engine.depth_fills.values()) != [walked]  # the walk moved, and goes out on /ws ...
    assert sent(engine) == {}  # ... but the rule already alerted in this life

    engine.on_quotes(
        [make_quote("bybit", INSTRUMENT, bid="99.95", ask="100.05", size="1.5", ts_ms=at + 20)], at_ms=at + 20
    )
    assert not engine.tracker.open
    quotes(engine, at + 30)
    engine.on_depth(books(at + 35), at_ms=at + 35)
    assert sorted(sent(engine)) == [1, 2]  # a new life


def test_an_opportunity_without_depth_does_not_meet_a_rule_on_depth():
    spec = rule(1, CAROL, min_depth_size_base=D("0"))
    index = RuleIndex([spec])
    engine = engine_with(spec)
    quotes(engine, now_ms())
    [opportunity] = engine.tracker.open.values()

    assert index.uses_depth
    assert index.match(opportunity, now_ms()) == []
    assert index.match(opportunity, now_ms(), depth_at=lambda fees: None) == []
    walked = walk_books(ASKS, BIDS, D("0.05"), D("0.05"))
    assert index.match(opportunity, now_ms(), depth_at=lambda fees: walked) == [spec]


def test_depth_is_walked_only_when_a_rule_is_on_depth():
    walks = []
    index = RuleIndex([rule(1, CAROL, min_profit_quote=D("0"))])
    engine = engine_with(rule(1, CAROL))
    quotes(engine, now_ms())
    [opportunity] = engine.tracker.open.values()

    assert index.match(opportunity, now_ms(), depth_at=lambda fees: walks.append(fees)) != []
    assert walks == []


def test_the_books_are_walked_only_for_a_rule_on_depth_that_can_still_alert():
    out_of_reach = RuleSpec(1, CAROL, frozenset(), frozenset(), frozenset(), D("50"), min_depth_profit_quote=D("1"))
    engine = engine_with(out_of_reach, rule(2, ALICE, min_depth_profit_quote=D("1")))
    at = now_ms()
    engine.on_depth(books(at), at_ms=at)
    quotes(engine, at)
    assert list(sent(engine)) == [2]
    [opportunity] = engine.tracker.open.values()
    built = []

    def message_of(o, at_ms):
        built.append(o.id)
        return engine.opportunity_message(o, at_ms)

    # Rule 1 wants a 50 % net spread: its depth is never asked for; rule 2 has alerted already.
    engine.alerts.on_depth([opportunity], message_of, at + 5, engine.opportunity_levels)
    assert built == [] and sent(engine) == {}
