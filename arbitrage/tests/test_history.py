"""Opportunity lives in the database: written by the engine in batches, summarised, pruned."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from arbitrage.engine import Engine
from arbitrage.fanout import PRICES_GROUP
from arbitrage.history import summary
from arbitrage.models import Opportunity
from arbitrage.quote_cache import read_open_opportunities
from arbitrage.tasks import prune_opportunity_history
from arbitrage.tests.factories import make_quote
from feeds.models import Exchange

T0 = 1_700_000_000_000


@pytest.mark.django_db(transaction=True)
async def test_an_opportunity_life_is_fanned_out_cached_and_recorded_once():
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(PRICES_GROUP, listener)
    for exchange_id, fee in (("binance", "0.05"), ("bybit", "0.055")):
        await Exchange.objects.aupdate_or_create(id=exchange_id, defaults={"name": exchange_id, "taker_fee_pct": fee})
    engine = Engine(layer, fanout_interval_ms=100)
    await engine.refresh_config()  # fees from the database, as an admin set them

    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=T0)], at_ms=T0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="101.1", ts_ms=T0)], at_ms=T0)
    await engine.fan_out()
    opened = await asyncio.wait_for(layer.receive(listener), 5)
    [[buy_instrument, _, text]] = opened["opportunities"]
    message = json.loads(text)
    assert buy_instrument == message["buy_instrument"] == "BTC/USDT:USDT"
    assert (message["buy_exchange"], message["sell_exchange"]) == ("binance", "bybit")
    assert message["net_spread_pct"] == "0.894450"
    assert [o.id for o in read_open_opportunities()] == [message["id"]]
    await engine.write_history()

    engine.on_quotes([make_quote("bybit", bid="100", ask="100.1", ts_ms=T0 + 250)], at_ms=T0 + 250)
    await engine.fan_out()
    closed = await asyncio.wait_for(layer.receive(listener), 5)
    await layer.group_discard(PRICES_GROUP, listener)
    [[_, _, closed_text]] = closed["closed"]
    assert json.loads(closed_text)["duration_ms"] == 250
    assert read_open_opportunities() == []
    await engine.write_history()

    row = await Opportunity.objects.aget()
    assert str(row.id).replace("-", "") == message["id"]
    assert (row.buy_exchange, row.sell_exchange, row.close_reason, row.duration_ms) == (
        "binance",
        "bybit",
        "spread",
        250,
    )
    assert row.peak_net_spread_pct == Decimal("0.89445")
    assert row.ticks == 1
    await sync_to_async(connections.close_all)()  # the async ORM's worker thread keeps one open


def _life(opened_at, duration_ms, peak, buy="binance", sell="bybit", group="BTC/USD"):
    return Opportunity(
        group=group,
        buy_exchange=buy,
        buy_instrument="BTC/USDT:USDT",
        sell_exchange=sell,
        sell_instrument="BTC/USDT:USDT",
        opened_at=opened_at,
        closed_at=opened_at + timedelta(milliseconds=duration_ms),
        last_seen_at=opened_at + timedelta(milliseconds=duration_ms),
        duration_ms=duration_ms,
        open_net_spread_pct=peak,
        peak_net_spread_pct=peak,
        peak_gross_spread_pct=peak,
        peak_size_base=1,
        peak_profit_quote=1,
        peak_buy_price=100,
        peak_sell_price=101,
    )


@pytest.mark.django_db
def test_summary_counts_lives_with_median_duration_and_best_spread():
    now = datetime.now(tz=UTC)
    Opportunity.objects.bulk_create(
        [
            _life(now, 100, Decimal("0.2")),
            _life(now, 300, Decimal("0.5")),
            _life(now, 1000, Decimal("0.1")),
            _life(now, 50, Decimal("0.3"), buy="okx"),
        ]
    )
    rows = {(r["buy_exchange"], r["sell_exchange"]): r for r in summary()}
    assert rows["binance", "bybit"]["count"] == 3
    assert rows["binance", "bybit"]["median_duration_ms"] == 300
    assert rows["binance", "bybit"]["best_net_spread_pct"] == Decimal("0.5")
    assert rows["okx", "bybit"]["count"] == 1


@pytest.mark.django_db
def test_prune_task_deletes_only_closed_lives_past_retention(settings):
    settings.OPPORTUNITY_RETENTION_DAYS = 7
    now = datetime.now(tz=UTC)
    old, recent = _life(now - timedelta(days=8), 10, Decimal("0.2")), _life(now, 10, Decimal("0.2"))
    still_open = _life(now - timedelta(days=30), 10, Decimal("0.2"))
    still_open.closed_at = still_open.duration_ms = None
    Opportunity.objects.bulk_create([old, recent, still_open])
    assert prune_opportunity_history() == 1
    assert set(Opportunity.objects.values_list("id", flat=True)) == {recent.id, still_open.id}


@pytest.mark.django_db
def test_every_exchange_is_seeded_with_its_default_taker_fee():
    from arbitrage.engine import load_exchange_config

    if not Exchange.objects.exists():
        pytest.skip("an earlier transactional test flushed the migration's rows")
    config = load_exchange_config()
    assert len(config.fees_pct) == 11
    assert config.fees_pct["binance"] == Decimal("0.05")
    assert config.max_age_ms["bybit"] == 5000
