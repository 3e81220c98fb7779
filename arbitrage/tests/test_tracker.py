from decimal import Decimal

import pytest

from arbitrage.read_model import rank
from arbitrage.spreads import Spread
from arbitrage.tests.factories import make_quote, opportunity_record
from arbitrage.tracker import LeftOpen, OpportunityTracker

FEES = {"binance": Decimal("0.05"), "bybit": Decimal("0.055"), "okx": Decimal("0.05")}
T0 = 1_700_000_000_000


def quote(exchange, bid, ask, at_ms=T0, instrument="BTC/USDT:USDT", size="1"):
    return make_quote(exchange, instrument=instrument, bid=bid, ask=ask, size=size, ts_ms=at_ms)


@pytest.fixture
def tracker():
    return OpportunityTracker(FEES, {"okx": 1000}, default_max_age_ms=5000)


def test_a_gap_wider_than_fees_opens_one_opportunity_with_the_right_sides(tracker):
    assert not tracker.on_quote(quote("binance", "99.9", "100"), T0)
    changes = tracker.on_quote(quote("bybit", "101", "101.1"), T0)
    [opened] = changes.opened
    assert (opened.buy.exchange, opened.sell.exchange) == ("binance", "bybit")
    assert opened.spread.net_spread_pct == Decimal("0.89445")
    assert not changes.closed and not changes.updated


def test_a_gap_narrower_than_fees_opens_nothing(tracker):
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    assert not tracker.on_quote(quote("bybit", "100.09", "100.2"), T0)  # +0.09 % gross < 0.105 % fees


def test_updates_count_ticks_and_keep_the_peak_then_close_when_the_gap_goes(tracker):
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    tracker.on_quote(quote("bybit", "101", "101.1"), T0)
    [grown] = tracker.on_quote(quote("bybit", "102", "102.1", T0 + 10), T0 + 10).updated
    [shrunk] = tracker.on_quote(quote("bybit", "100.5", "100.6", T0 + 20), T0 + 20).updated
    assert shrunk.ticks == 3
    assert (
        grown.peak.net_spread_pct == shrunk.peak.net_spread_pct == Decimal("1.8939")
    )  # 102 × (1 − 0.00055) − 100 × 1.0005
    [closed] = tracker.on_quote(quote("bybit", "100", "100.1", T0 + 30), T0 + 30).closed
    assert closed.reason == "spread"
    assert closed.closed_ms - closed.opportunity.opened_ms == 30
    assert tracker.open == {}


def test_stale_quotes_take_no_part_and_close_what_they_fed_when_last_seen(tracker):
    tracker.on_quote(quote("okx", "99.9", "100"), T0)  # okx quotes live 1 s
    assert tracker.on_quote(quote("bybit", "101", "101.1", T0), T0).opened
    assert tracker.on_quote(quote("bybit", "101.2", "101.3", T0 + 300), T0 + 300).updated
    [closed] = tracker.expire(T0 + 1006).closed  # received at T0 + 5 ms
    assert (closed.reason, closed.closed_ms) == ("stale", T0 + 300)  # not when noticed: nobody saw it after
    assert not tracker.on_quote(quote("bybit", "101", "101.1", T0 + 1007), T0 + 1007)


def test_a_stale_quote_is_not_paired_with_a_fresh_one(tracker):
    tracker.on_quote(quote("okx", "99.9", "100"), T0)
    assert not tracker.on_quote(quote("bybit", "101", "101.1", T0 + 2000), T0 + 2000)


@pytest.mark.parametrize("bid, ask", [("101", "100"), ("0", "100"), ("100", "100")])
def test_crossed_or_empty_books_never_take_part(tracker, bid, ask):
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    tracker.on_quote(quote("bybit", "101", "101.1"), T0)
    [closed] = tracker.on_quote(quote("bybit", bid, ask, T0 + 1), T0 + 1).closed
    assert closed.reason == "invalid"


def test_a_disconnected_exchange_closes_its_opportunities_at_once(tracker):
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    tracker.on_quote(quote("bybit", "101", "101.1"), T0)
    tracker.on_quote(quote("bybit", "101", "101.1", T0 + 2), T0 + 2)
    [closed] = tracker.disconnect("bybit", ["BTC/USDT:USDT"], T0 + 5).closed
    assert (closed.reason, closed.closed_ms) == ("disconnected", T0 + 2)


def test_one_exchange_is_never_paired_with_itself(tracker):
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    assert not tracker.on_quote(quote("binance", "101", "101.1", instrument="BTC/USDC:USDC"), T0)


def test_inverse_and_linear_pair_only_when_allowed_and_are_marked():
    strict = OpportunityTracker(FEES, {})
    strict.on_quote(quote("deribit", "99.9", "100", instrument="BTC/USD:BTC"), T0)
    assert not strict.on_quote(quote("bybit", "101", "101.1"), T0)
    lenient = OpportunityTracker(FEES, {}, allow_cross_quote=True)
    lenient.on_quote(quote("deribit", "99.9", "100", instrument="BTC/USD:BTC"), T0)
    [opened] = lenient.on_quote(quote("bybit", "101", "101.1"), T0).opened
    assert opened.spread.basis_risk is True


def test_rank_filters_and_orders_by_net_spread():
    items = [
        opportunity_record(id="a", net_spread_pct="0.2", size_base="1"),
        opportunity_record(
            id="b",
            net_spread_pct="0.5",
            size_base="0.1",
            buy_instrument="ETH/USDT:USDT",
            sell_instrument="ETH/USDT:USDT",
            buy_exchange="okx",
        ),
        opportunity_record(id="c", net_spread_pct="0.05", size_base="3", buy_exchange="okx", sell_exchange="binance"),
    ]
    assert [i.id for i in rank(items)] == ["b", "a", "c"]
    assert [i.id for i in rank(items, min_spread_pct=Decimal("0.1"))] == ["b", "a"]
    assert [i.id for i in rank(items, min_size_base=Decimal("1"))] == ["a", "c"]
    assert [i.id for i in rank(items, instruments={"BTC/USDT:USDT"}, limit=1)] == ["a"]
    assert [i.id for i in rank(items, exchanges={"okx"})] == ["b", "c"]
    assert [i.id for i in rank(items, min_profit_quote=Decimal("0.5"))] == []  # each makes 0.447225


def test_best_net_spread_of_a_market_pairs_different_exchanges_only(tracker):
    assert tracker.best_net_spread_pct("BTC/USD", T0) is None
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    assert tracker.best_net_spread_pct("BTC/USD", T0) is None  # one exchange
    tracker.on_quote(quote("bybit", "101", "101.1"), T0)
    assert abs(tracker.best_net_spread_pct("BTC/USD", T0) - 0.89445) < 1e-9
    tracker.on_quote(quote("bybit", "99.95", "100.05", T0 + 1), T0 + 1)
    # no pair pays for its fees: the least bad one, negative
    assert tracker.best_net_spread_pct("BTC/USD", T0 + 1) < 0


def _left_open(last_seen_ms, peak_net="2.5", life_id="a" * 32):
    peak = Spread(Decimal(100), Decimal(103), Decimal(3), Decimal(peak_net), Decimal(1), Decimal("2.5"), False)
    key = ("binance", "BTC/USDT:USDT", "bybit", "BTC/USDT:USDT")
    return LeftOpen(life_id, key, T0 - 60_000, last_seen_ms, 40, Decimal("0.7"), peak)


def test_a_life_left_open_is_resumed_when_its_pair_opens_within_the_grace(tracker):
    tracker.expect([_left_open(T0 - 10_000)], grace_ms=15_000)
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    [resumed] = tracker.on_quote(quote("bybit", "101", "101.1"), T0).opened
    assert (resumed.id, resumed.opened_ms, resumed.updated_ms, resumed.ticks) == ("a" * 32, T0 - 60_000, T0, 41)
    assert (resumed.first_net_spread_pct, resumed.peak.net_spread_pct) == (Decimal("0.7"), Decimal("2.5"))
    assert tracker.left_open == {} and tracker.unresumed(T0 + 60_000) == []


def test_a_resumed_life_keeps_the_higher_peak(tracker):
    tracker.expect([_left_open(T0, peak_net="0.1")], grace_ms=15_000)
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    [resumed] = tracker.on_quote(quote("bybit", "101", "101.1"), T0).opened
    assert resumed.peak.net_spread_pct == Decimal("0.89445")


def test_a_life_left_open_past_its_grace_is_not_resumed_and_is_given_back(tracker):
    life = _left_open(T0 - 15_001)
    tracker.expect([life], grace_ms=15_000)
    assert tracker.unresumed(T0 - 1) == []
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    [opened] = tracker.on_quote(quote("bybit", "101", "101.1"), T0).opened
    assert (opened.id != life.id, opened.opened_ms, opened.ticks) == (True, T0, 1)
    assert tracker.unresumed(T0) == [life]
    assert tracker.left_open == {}


def test_of_two_lives_left_open_for_one_pair_the_later_is_resumed_and_the_other_given_back(tracker):
    older, later = _left_open(T0 - 9_000, life_id="b" * 32), _left_open(T0 - 1_000)
    tracker.expect([later, older], grace_ms=15_000)
    assert tracker.unresumed(T0) == [older]
    tracker.on_quote(quote("binance", "99.9", "100"), T0)
    assert tracker.on_quote(quote("bybit", "101", "101.1"), T0).opened[0].id == later.id
