"""Each opportunity on /ws (updates and snapshots) carries its funding leg over the default
8 h, encoded once by the engine; null unless both legs have funding. Exact numbers: net 0.89445 %
(buy binance at 100, sell bybit at 101, taker 0.05 % and 0.055 %), long binance 0.0001 per 8 h
(next in 2 h: one event in 8 h), short bybit 0.0003 per 4 h (next in 1 h: two events)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import msgspec
from channels.layers import get_channel_layer

from arbitrage import engine as engine_module
from arbitrage.engine import Engine
from arbitrage.fanout import PRICES_GROUP
from arbitrage.messages import (
    ArbitrageOpportunities,
    OpportunityFunding,
    Snapshot,
    opportunity_message,
    server_message_decoder,
    spliced,
)
from arbitrage.snapshots import SnapshotReader
from arbitrage.tests.factories import make_quote
from arbitrage.tests.test_rule_matching import FEES, T0, funding_records, opportunity

H = 3_600_000
FUNDING = {
    "long": {"exchange": "binance", "rate_pct": "0.01000000", "interval_h": 8, "next_funding_ms": T0 + 2 * H},
    "short": {"exchange": "bybit", "rate_pct": "0.03000000", "interval_h": 4, "next_funding_ms": T0 + 1 * H},
    "hours": 8,
    "funding_pct": "0.05000000",  # 0.03 × 2 − 0.01 × 1
    "per_day_pct": "0.15000000",  # 0.03 × 6 − 0.01 × 3
    "edge_pct": "0.94445000",  # 0.89445 + 0.05
}


def test_the_message_carries_the_funding_leg_over_eight_hours():
    message = opportunity_message(opportunity(), funding_records(), T0)
    assert msgspec.to_builtins(message.funding) == FUNDING
    # An hour on, bybit's +1 h event is being paid: +5 h is its next. Eight hours still hold one
    # 8-hourly and two 4-hourly events wherever they start, so the sum stays.
    later = opportunity_message(opportunity(), funding_records(), T0 + H)
    assert later.funding.short.next_funding_ms == T0 + 5 * H
    assert later.funding.funding_pct == Decimal("0.05")


def test_without_both_legs_funding_it_is_null():
    one_leg = {"BTC/USDT:USDT": {"binance": funding_records()["BTC/USDT:USDT"]["binance"]}}
    assert opportunity_message(opportunity(), one_leg, T0).funding is None
    assert opportunity_message(opportunity(), {}, T0).funding is None


async def test_updates_and_snapshots_carry_the_leg_encoded_once(monkeypatch):
    monkeypatch.setattr(engine_module, "now_ms", lambda: T0)
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    engine = Engine(layer, fanout_interval_ms=100)
    engine.tracker.fees_pct = FEES
    engine.on_funding([record for row in funding_records().values() for record in row.values()])
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=T0)], at_ms=T0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="200", ts_ms=T0)], at_ms=T0)
    await engine.fan_out()
    event = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)

    [(_, _, text)] = event["opportunities"]
    update = server_message_decoder.decode(spliced("arbitrage_opportunities", event["seq"], [text]))
    assert isinstance(update, ArbitrageOpportunities)
    [sent] = update.data
    assert msgspec.to_builtins(sent.funding) == FUNDING
    assert isinstance(sent.funding, OpportunityFunding)

    snapshot = await SnapshotReader().read(frozenset())
    [page] = [server_message_decoder.decode(text) for text in snapshot.texts]
    assert isinstance(page, Snapshot)
    assert [msgspec.to_builtins(o.funding) for o in page.opportunities] == [FUNDING]
