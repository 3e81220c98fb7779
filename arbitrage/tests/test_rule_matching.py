from decimal import Decimal

from arbitrage.rule_matching import RuleIndex, RuleSpec
from arbitrage.tests.factories import make_quote
from arbitrage.tracker import OpportunityTracker

T0 = 1_700_000_000_000
FEES = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}


def opportunity(instrument="BTC/USDT:USDT", sell_bid="101", size="1"):
    tracker = OpportunityTracker(FEES, {})
    tracker.on_quote(make_quote("binance", instrument=instrument, bid="99.9", ask="100", size=size, ts_ms=T0), T0)
    [opened] = tracker.on_quote(
        make_quote("bybit", instrument=instrument, bid=sell_bid, ask="200", size=size, ts_ms=T0), T0
    ).opened
    return opened  # net 0.89445 % at sell_bid 101


def rule(id, min_net="0.5", instruments=(), buy=(), sell=(), **extra):
    return RuleSpec(id, 1, frozenset(instruments), frozenset(buy), frozenset(sell), Decimal(min_net), **extra)


def ids(found):
    return sorted(r.id for r in found)


def test_a_rule_matches_on_spread_instrument_and_exchanges():
    index = RuleIndex(
        [
            rule(1),
            rule(2, min_net="0.9"),  # above 0.89445
            rule(3, instruments={"BTC/USDT:USDT"}),
            rule(4, instruments={"ETH/USDT:USDT"}),
            rule(5, buy={"binance"}, sell={"bybit"}),
            rule(6, buy={"okx"}),
            rule(7, sell={"binance"}),
        ]
    )
    assert ids(index.match(opportunity(), T0)) == [1, 3, 5]


def test_size_profit_and_quote_age_limits():
    index = RuleIndex(
        [
            rule(1, min_size_base=Decimal("2")),
            rule(2, min_size_base=Decimal("0.5")),
            rule(3, min_profit_quote=Decimal("1")),  # profit at size 1: 0.89445
            rule(4, min_profit_quote=Decimal("0.5")),
            rule(5, max_quote_age_ms=100),
        ]
    )
    assert ids(index.match(opportunity(), T0 + 50)) == [2, 4, 5]  # quotes received at T0 + 5 ms
    assert ids(index.match(opportunity(), T0 + 500)) == [2, 4]


def test_a_rule_on_several_instruments_matches_once():
    index = RuleIndex([rule(1, instruments={"BTC/USDT:USDT", "BTC/USDC:USDC"})])
    assert ids(index.match(opportunity(), T0)) == [1]


def test_ten_thousand_rules_are_indexed_not_scanned():
    rules = [rule(n, min_net=str(1 + n / 1000), instruments={f"C{n}/USDT:USDT"}) for n in range(10_000)]
    rules.append(rule(10_000, min_net="0.8"))
    index = RuleIndex(rules)
    assert index.size == 10_001
    assert ids(index.match(opportunity(), T0)) == [10_000]


def test_the_engine_matches_openings_and_growth_past_a_step_only():
    from channels.layers import get_channel_layer

    from arbitrage.engine import Engine

    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = FEES
    engine.alerts.rules = RuleIndex([rule(1, min_net="0.5"), rule(2, min_net="1.5")])
    engine.alerts.growth_step_pct = Decimal("0.5")
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=T0)], at_ms=T0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=T0)], at_ms=T0)
    assert [(rule_id, m["net_spread_pct"]) for rule_id, m in engine.alerts.pending] == [(1, "0.894450")]
    engine.on_quotes([make_quote("bybit", bid="101.2", ask="101.3", ts_ms=T0 + 1)], at_ms=T0 + 1)
    assert len(engine.alerts.pending) == 1  # grew by 0.2: under the step
    engine.on_quotes([make_quote("bybit", bid="102", ask="102.1", ts_ms=T0 + 2)], at_ms=T0 + 2)
    assert [rule_id for rule_id, _ in engine.alerts.pending] == [1, 1, 2]  # 1.8939 %: both rules
    engine.on_quotes([make_quote("bybit", bid="100", ask="100.1", ts_ms=T0 + 3)], at_ms=T0 + 3)  # gap gone
    assert engine.alerts.marks == {}


def own_rule(id, user_id, min_net="0.5", **extra):
    return RuleSpec(id, user_id, frozenset(), frozenset(), frozenset(), Decimal(min_net), **extra)


def test_a_users_own_fees_decide_their_rules_and_no_one_elses():
    admin = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}.__getitem__
    # User 2 pays 0.02 % on binance (bybit: the admin's 0.055 %):
    # (101 × 0.99945 − 100 × 1.0002) / 100 × 100 = 0.92445 %, profit 0.92445 at size 1.
    index = RuleIndex(
        [
            own_rule(1, 1, "0.9"),
            own_rule(2, 2, "0.9"),
            own_rule(3, 2, "0.93"),
            own_rule(4, 2, "0", min_profit_quote=Decimal("0.92")),
        ],
        own_fees={2: {"binance": Decimal("0.02")}},
        admin_fee_pct=admin,
    )
    found = opportunity()  # 0.89445 % at the admin's fees
    assert ids(index.match(found, T0)) == [2, 4]
    assert index.own_taker_fees(2, found) == (Decimal("0.02"), Decimal("0.055"))
    assert index.own_taker_fees(1, found) is None


def test_higher_own_fees_keep_a_users_rule_quiet():
    index = RuleIndex(
        [own_rule(1, 1, "0.5"), own_rule(2, 2, "0.5")],
        own_fees={2: {"bybit": Decimal("0.5")}},
        admin_fee_pct={"binance": Decimal("0.05")}.__getitem__,
    )
    # User 2: (101 × 0.995 − 100 × 1.0005) / 100 × 100 = 0.445 % < 0.5.
    assert ids(index.match(opportunity(), T0)) == [1]


def test_own_fees_on_other_exchanges_leave_the_engines_figures():
    index = RuleIndex([own_rule(1, 2, "0.89")], own_fees={2: {"okx": Decimal("0")}})
    assert ids(index.match(opportunity(), T0)) == [1]
    assert index.own_taker_fees(2, opportunity()) is None


def test_users_on_the_same_tier_share_one_figure_and_other_tiers_get_theirs():
    admin = {"binance": Decimal("0.05"), "bybit": Decimal("0.055")}.__getitem__
    index = RuleIndex(
        [own_rule(1, 2, "0.92"), own_rule(2, 3, "0.92"), own_rule(3, 4, "0.5"), own_rule(4, 5, "0.92")],
        own_fees={
            2: {"binance": Decimal("0.02")},
            3: {"binance": Decimal("0.02"), "okx": Decimal("0")},
            4: {"binance": Decimal("0.5")},  # (101 × 0.99945 − 100 × 1.005) = 0.44445 % < 0.5
        },
        admin_fee_pct=admin,
    )
    assert ids(index.match(opportunity(), T0)) == [1, 2]
    assert ids(index.match(opportunity(sell_bid="101.1"), T0)) == [1, 2, 3, 4]  # 0.54439 % for user 4


# Funding-adjusted edge: the opportunity above (net 0.89445 %) held 8 h, long binance at 0.0001
# per 8 h (one event, pays 0.01 %), short bybit at 0.0003 per 4 h (two events, earns 0.06 %):
# funding 0.05 %, edge 0.94445 %.
def funding_records():
    from feeds.funding import Funding

    hour_ms = 3_600_000
    return {
        "BTC/USDT:USDT": {
            "binance": Funding("binance", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0001"), 8, T0 + 2 * hour_ms, T0),
            "bybit": Funding("bybit", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0003"), 4, T0 + 1 * hour_ms, T0),
        }
    }


def test_a_rule_on_funding_adjusted_edge_needs_the_edge_and_meets_it_or_not():
    index = RuleIndex(
        [rule(1, min_edge_pct=Decimal("0.94")), rule(2, min_edge_pct=Decimal("0.95")), rule(3, min_net="0.8")]
    )
    assert index.uses_edge is True
    assert RuleIndex([rule(3)]).uses_edge is False
    assert ids(index.match(opportunity(), T0, Decimal("0.05"))) == [1, 3]  # edge 0.94445 %
    assert ids(index.match(opportunity(), T0, None)) == [3]  # no funding known: the edge is not met


def test_the_engine_matches_edge_rules_on_the_edge_ws_shows_and_the_alert_carries_it():
    from channels.layers import get_channel_layer

    from arbitrage.engine import Engine

    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    engine.tracker.fees_pct = FEES
    engine.alerts.rules = RuleIndex(
        [rule(1, min_net="0.5", min_edge_pct=Decimal("0.94")), rule(2, min_edge_pct=Decimal("0.95"))]
    )
    engine.on_funding([record for row in funding_records().values() for record in row.values()])
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=T0)], at_ms=T0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=T0)], at_ms=T0)
    [(rule_id, message)] = engine.alerts.pending
    assert rule_id == 1
    assert message["net_spread_pct"] == "0.894450"
    assert (message["funding"]["funding_pct"], message["funding"]["edge_pct"]) == ("0.05000000", "0.94445000")
