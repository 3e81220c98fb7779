"""The engine asks for the books of open and near pairs' legs only, keeps asking a while after,
caps each exchange, and tells the feeds through the layer when that changes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from channels.layers import get_channel_layer

from arbitrage import engine as engine_module
from arbitrage.depth_demand import DepthDemand, scored_legs
from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.tests.factories import make_quote
from arbitrage.tracker import OpportunityTracker
from feeds.depth import DEPTH_DEMAND_GROUP, DEPTH_DEMAND_TYPE

NOW_MS = 1_700_000_000_000
FEES_PCT = {"binance": D("0.05"), "bybit": D("0.05"), "okx": D("0.05")}
AGES_MS = {"binance": 5000, "bybit": 5000, "okx": 5000}
BTC, ETH, SOL = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"


def market(tracker) -> None:
    """BTC: open (buy Binance at 100, sell Bybit at 101). ETH: buy Binance at 100, sell OKX at
    100 nets -0.0999 % after 0.05 % a leg: near at 10 bps. SOL: -0.2 % at best: far."""
    quotes = [
        make_quote("binance", BTC, bid="99.9", ask="100"),
        make_quote("bybit", BTC, bid="101", ask="101.1"),
        make_quote("binance", ETH, bid="99.95", ask="100"),
        make_quote("okx", ETH, bid="100", ask="100.05"),
        make_quote("binance", SOL, bid="10", ask="10.01"),
        make_quote("okx", SOL, bid="10", ask="10.01"),
    ]
    for quote in quotes:
        tracker.on_quote(quote, NOW_MS)


@pytest.fixture
def tracker():
    tracker = OpportunityTracker(FEES_PCT, AGES_MS)
    market(tracker)
    return tracker


def test_open_legs_come_first_then_near_ones_by_their_best_net(tracker):
    scores = scored_legs(tracker, near_fraction=0.001, now_ms=NOW_MS)
    assert set(scores) == {("binance", BTC), ("bybit", BTC), ("binance", ETH), ("okx", ETH)}
    assert scores["binance", BTC] == scores["bybit", BTC] == float("inf")
    assert scores["okx", ETH] == pytest.approx(99.95 / 100.05 - 1)
    assert scored_legs(tracker, near_fraction=0.0009, now_ms=NOW_MS).keys() == {("binance", BTC), ("bybit", BTC)}


def test_stale_quotes_make_no_near_pair(tracker):
    later_ms = NOW_MS + 6000  # every quote past its 5 s max age; BTC still open until expired
    assert set(scored_legs(tracker, near_fraction=0.01, now_ms=later_ms)) == {("binance", BTC), ("bybit", BTC)}


def test_wanted_books_linger_then_go(tracker):
    demand = DepthDemand(near_bps=10, linger_ms=30_000, max_per_exchange=40)
    wanted = {"binance": [BTC, ETH], "bybit": [BTC], "okx": [ETH]}
    assert demand.wanted(tracker, NOW_MS) == wanted
    quiet = OpportunityTracker(FEES_PCT, AGES_MS)  # nothing open or near any more
    assert demand.wanted(quiet, NOW_MS + 30_000) == wanted
    assert demand.wanted(quiet, NOW_MS + 30_001) == {}


def test_each_exchange_is_asked_for_its_most_promising_books_first(tracker):
    demand = DepthDemand(near_bps=10, linger_ms=30_000, max_per_exchange=1)
    assert demand.wanted(tracker, NOW_MS) == {"binance": [BTC], "bybit": [BTC], "okx": [ETH]}


async def test_the_engine_tells_the_feeds_when_the_demand_changes(monkeypatch, settings):
    monkeypatch.setattr(engine_module, "now_ms", lambda: NOW_MS)
    settings.DEPTH_NEAR_BPS = 10  # ETH's pair, 9.995 bps from opening, is near
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=100, config=ExchangeConfig(FEES_PCT, AGES_MS))
    market(engine.tracker)
    feed = await layer.new_channel("test-feed.")
    await layer.group_add(DEPTH_DEMAND_GROUP, feed)
    sent = []
    group_send = layer.group_send

    async def counted(group, message):
        sent.append(group)
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counted)
    await engine.demand_depth(NOW_MS)
    message = await layer.receive(feed)
    assert message == {
        "type": DEPTH_DEMAND_TYPE,
        "legs": {"binance": [BTC, ETH], "bybit": [BTC], "okx": [ETH]},
    }
    await engine.demand_depth(NOW_MS + 1000)  # unchanged, and refreshed only every 5 s
    assert sent == [DEPTH_DEMAND_GROUP]
    await engine.demand_depth(NOW_MS + 40_000)  # ETH's near pair lingered out; BTC is still open
    assert (await layer.receive(feed))["legs"] == {"binance": [BTC], "bybit": [BTC]}
    await layer.group_discard(DEPTH_DEMAND_GROUP, feed)
