"""One rule for a quote's age, in the engine as on the pages (arbitrage/read_model.py): its
exchange time, never later than its arrival, against its exchange's max quote age. A quote the
pages show stale is in no opportunity, near miss or alert, and one in an opportunity is not
shown stale."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from arbitrage.depth_demand import scored_legs
from arbitrage.messages import QuoteMessage
from arbitrage.near_miss import near_misses
from arbitrage.read_model import age_from_ms, quote_age_ms, read_quote, stale_after_ms
from arbitrage.rule_matching import RuleSpec
from arbitrage.tracker import OpportunityTracker
from feeds.types import Quote

NOW_MS = 1_700_000_010_000
MAX_AGE_MS = 5_000
FEES = {"binance": Decimal("0.05"), "bybit": Decimal("0.05")}


def quote(exchange: str, bid: str, ask: str, ts_ms: int, recv_ms: int) -> Quote:
    one = Decimal(1)
    return Quote(
        exchange, "BTCUSDT", "BTC/USDT:USDT", Decimal(bid), one, Decimal(ask), one, one, one, ts_ms, recv_ms * 1_000_000
    )


def test_a_quote_ages_from_its_exchange_time():
    # Stamped 1,200 ms before it arrived (exchange clock behind ours, or a slow network):
    assert age_from_ms(ts_ms=NOW_MS - 1_200, recv_ms=NOW_MS) == NOW_MS - 1_200
    assert quote_age_ms(NOW_MS - 1_200, NOW_MS, now_ms=NOW_MS + 3_800) == 5_000
    assert stale_after_ms(NOW_MS - 1_200, NOW_MS, MAX_AGE_MS) == NOW_MS + 3_800  # fresh to the limit included


def test_a_quote_stamped_ahead_of_its_arrival_ages_from_its_arrival():
    # An exchange clock 3 s ahead of ours: the quote is not young for 3 s more than it is.
    assert age_from_ms(ts_ms=NOW_MS + 3_000, recv_ms=NOW_MS) == NOW_MS
    assert quote_age_ms(NOW_MS + 3_000, NOW_MS, now_ms=NOW_MS + 5_001) == 5_001
    assert stale_after_ms(NOW_MS + 3_000, NOW_MS, MAX_AGE_MS) == NOW_MS + 5_000
    # Read before its age starts (a replay's clock, a test's): 0, never negative.
    assert quote_age_ms(NOW_MS + 3_000, NOW_MS, now_ms=NOW_MS - 10) == 0


# (exchange time, arrival) of the binance leg, relative to NOW_MS; bybit's is fresh throughout.
CLOCKS = [
    (0, 0),  # in step
    (-1_200, 0),  # exchange clock behind, or a slow network
    (-4_999, 0),  # one ms short of the max age as it arrives
    (-5_000, 0),  # at the max age as it arrives
    (-5_001, 0),  # already past it: stale as it arrives
    (3_000, 0),  # exchange clock ahead: ages from its arrival
    (-500, -300),  # arrived before now (received earlier, read later)
]
LATER_MS = [0, 1, 2_000, 3_800, 3_801, 4_999, 5_000, 5_001, 8_000]


@pytest.mark.parametrize(("ts_offset_ms", "recv_offset_ms"), CLOCKS)
def test_the_engine_pairs_a_quote_exactly_while_the_pages_show_it_fresh(ts_offset_ms, recv_offset_ms):
    for later_ms in LATER_MS:
        at_ms = NOW_MS + later_ms
        tracker = OpportunityTracker(FEES, {}, default_max_age_ms=MAX_AGE_MS)
        binance = quote("binance", "99.9", "100", NOW_MS + ts_offset_ms, NOW_MS + recv_offset_ms)
        bybit = quote("bybit", "101", "101.1", at_ms, at_ms)
        tracker.on_quote(binance, NOW_MS + max(0, recv_offset_ms))
        tracker.on_quote(bybit, at_ms)
        tracker.expire(at_ms)
        shown_stale = read_quote(QuoteMessage.from_quote(binance), MAX_AGE_MS, at_ms).stale
        paired = bool(tracker.open)
        assert paired is not shown_stale, (ts_offset_ms, recv_offset_ms, later_ms)
        assert (tracker.best_net_spread_pct("BTC/USD", at_ms) is None) is shown_stale
        assert bool(scored_legs(tracker, 0.0001, at_ms)) is not shown_stale
        misses = near_misses(
            [binance, bybit], FEES, {}, within_bps=Decimal(1000), now_ms=at_ms, default_max_age_ms=MAX_AGE_MS
        )
        assert bool(misses) is not shown_stale  # the reverse pair (buy bybit, sell binance) is a near miss


def test_with_the_numbers_of_a_lagging_exchange_clock():
    """Binance's clock 1,200 ms behind ours, max age 5,000 ms: its quote is fresh to
    NOW + 3,800 ms and no longer, in the tracker and on the pages alike."""
    tracker = OpportunityTracker(FEES, {}, default_max_age_ms=MAX_AGE_MS)
    binance = quote("binance", "99.9", "100", NOW_MS - 1_200, NOW_MS)
    tracker.on_quote(binance, NOW_MS)
    assert tracker.on_quote(quote("bybit", "101", "101.1", NOW_MS + 3_800, NOW_MS + 3_800), NOW_MS + 3_800).opened
    assert read_quote(QuoteMessage.from_quote(binance), MAX_AGE_MS, NOW_MS + 3_800).age_ms == 5_000
    [closed] = tracker.expire(NOW_MS + 3_801).closed
    assert closed.reason == "stale"
    assert read_quote(QuoteMessage.from_quote(binance), MAX_AGE_MS, NOW_MS + 3_801).stale


def test_an_alert_rules_max_quote_age_is_the_older_legs_age_by_the_same_rule():
    tracker = OpportunityTracker(FEES, {}, default_max_age_ms=60_000)
    tracker.on_quote(quote("binance", "99.9", "100", NOW_MS - 1_200, NOW_MS), NOW_MS)
    [opened] = tracker.on_quote(quote("bybit", "101", "101.1", NOW_MS + 3_000, NOW_MS), NOW_MS).opened
    rule = RuleSpec(1, 1, frozenset(), frozenset(), frozenset(), Decimal(0), max_quote_age_ms=2_000)
    assert rule.accepts(opened, NOW_MS + 800)  # binance 2,000 ms old (bybit's ahead clock counts from arrival: 800)
    assert not rule.accepts(opened, NOW_MS + 801)


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module",
    ["arbitrage.read_model", "arbitrage.tracker", "arbitrage.book", "arbitrage.funding", "arbitrage.fee_tables"],
)
def test_the_read_model_and_the_engine_modules_import_in_any_order(module):
    """The tracker uses the read model's age rule and the read model types the records the
    messages define: neither import may close a cycle, whichever module comes first."""
    command = [sys.executable, "-c", f"import {module}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
