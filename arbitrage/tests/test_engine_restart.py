"""An engine that stops (cleanly or not) and starts again: one opportunity, one life, in the
database; a life nobody saw again is closed when it was last seen, with its duration."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import IntegrityError, connections

from arbitrage import engine as engine_module
from arbitrage.engine import Engine
from arbitrage.life_writer import LEFT_OPEN_REASON, RESUME_GRACE_MS
from arbitrage.models import Opportunity
from arbitrage.tests.factories import make_quote

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1_700_000_000_000


@pytest.fixture
async def clock(monkeypatch):
    """The engine's wall clock, moved by the test."""
    now = {"ms": T0}
    monkeypatch.setattr(engine_module, "now_ms", lambda: now["ms"])
    yield now
    await sync_to_async(connections.close_all)()  # the async ORM's worker thread keeps one open


def _gap(engine: Engine, at_ms: int, sell_bid: str = "101") -> None:
    """binance asks 100, bybit bids `sell_bid`: buying on binance and selling on bybit pays."""
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=at_ms)], at_ms=at_ms)
    bid = float(sell_bid)
    engine.on_quotes([make_quote("bybit", bid=sell_bid, ask=f"{bid + 0.1:.1f}", ts_ms=at_ms)], at_ms=at_ms)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


async def _started(clock: dict, at_ms: int) -> Engine:
    """A new engine process at `at_ms`, as Engine.run begins."""
    clock["ms"] = at_ms
    engine = Engine(get_channel_layer(), fanout_interval_ms=100)
    await engine.take_over()
    return engine


async def _rows() -> list[Opportunity]:
    return [row async for row in Opportunity.objects.order_by("opened_at")]


async def test_a_restart_in_the_middle_of_an_opportunity_keeps_one_continuous_life(clock):
    first = await _started(clock, T0)
    _gap(first, T0)
    _gap(first, T0 + 700, sell_bid="101.5")  # the peak
    await first.write_history()
    # The process dies here: nothing closes the life. The next one starts 6 s later.

    second = await _started(clock, T0 + 6_000)
    assert [row.closed_at for row in await _rows()] == [None]  # waiting for its pair, within the grace
    _gap(second, T0 + 6_500)
    await second.write_history()
    clock["ms"] = T0 + 7_000
    _gap(second, T0 + 7_000, sell_bid="100")  # the gap closes
    await second.write_history()

    [row] = await _rows()
    assert (row.opened_at, row.closed_at, row.duration_ms) == (_at(T0), _at(T0 + 7_000), 7_000)
    assert (row.close_reason, row.peak_sell_price) == ("spread", Decimal("101.5"))
    assert row.ticks == 5  # three before the restart, two after


async def test_a_restart_after_the_opportunity_went_closes_it_when_last_seen(clock):
    first = await _started(clock, T0)
    _gap(first, T0)
    _gap(first, T0 + 800)
    await first.write_history()

    await _started(clock, T0 + 800 + RESUME_GRACE_MS + 1)  # down longer than the grace

    [row] = await _rows()
    assert (row.closed_at, row.last_seen_at, row.duration_ms) == (_at(T0 + 800), _at(T0 + 800), 800)
    assert row.close_reason == LEFT_OPEN_REASON


async def test_a_life_not_seen_again_within_the_grace_is_closed_and_a_later_gap_is_a_new_life(clock):
    first = await _started(clock, T0)
    _gap(first, T0)
    _gap(first, T0 + 400)
    await first.write_history()

    second = await _started(clock, T0 + 5_000)
    clock["ms"] = T0 + 400 + RESUME_GRACE_MS + 1
    await second.write_history()
    [left] = await _rows()
    assert (left.closed_at, left.duration_ms, left.close_reason) == (_at(T0 + 400), 400, LEFT_OPEN_REASON)

    _gap(second, clock["ms"])
    await second.write_history()
    earlier, later = await _rows()
    assert earlier.id == left.id and later.closed_at is None
    assert (later.opened_at, later.ticks) == (_at(clock["ms"]), 1)


async def test_an_open_life_is_written_with_its_last_sighting_at_every_flush(clock):
    engine = await _started(clock, T0)
    _gap(engine, T0)
    await engine.write_history()
    _gap(engine, T0 + 900, sell_bid="101.2")
    await engine.write_history()
    [row] = await _rows()
    assert (row.opened_at, row.last_seen_at, row.closed_at, row.ticks) == (_at(T0), _at(T0 + 900), None, 3)


async def test_a_life_whose_quotes_went_stale_is_closed_when_last_seen(clock):
    engine = await _started(clock, T0)
    _gap(engine, T0)
    _gap(engine, T0 + 300)
    engine.on_changes(engine.tracker.expire(T0 + 60_000))
    await engine.write_history()
    [row] = await _rows()
    assert (row.close_reason, row.closed_at, row.duration_ms) == ("stale", _at(T0 + 300), 300)


def test_a_closed_life_cannot_be_stored_without_its_duration_or_away_from_its_last_sighting():
    from arbitrage.tests.api_market import hours_ago, record_life

    life = record_life("binance", "bybit", hours_ago(1), closed=False)
    with pytest.raises(IntegrityError):
        Opportunity.objects.filter(pk=life.pk).update(closed_at=life.last_seen_at)
    with pytest.raises(IntegrityError):
        Opportunity.objects.filter(pk=life.pk).update(closed_at=hours_ago(0), duration_ms=5)


def _books(at_ms: int, ask_size: str) -> list:
    from feeds.depth import Depth

    asks = [(Decimal("100"), Decimal(ask_size)), (Decimal("100.4"), Decimal("2"))]
    bids = [(Decimal("101"), Decimal("1.5")), (Decimal("100.9"), Decimal("2"))]
    at_ns = at_ms * 1_000_000
    return [
        Depth("binance", "BTCUSDT", "BTC/USDT:USDT", [(Decimal("99.9"), Decimal("1"))], asks, at_ms, at_ns),
        Depth("bybit", "BTCUSDT", "BTC/USDT:USDT", bids, [(Decimal("101.1"), Decimal("1"))], at_ms, at_ns),
    ]


async def test_a_life_keeps_its_most_profitable_depth_walk_across_a_restart(clock):
    from arbitrage.depth import per_coin
    from arbitrage.depth_walk import walk_books

    first = await _started(clock, T0)
    _gap(first, T0)
    rich, thin = _books(T0 + 100, "3"), _books(T0 + 200, "0.2")
    fee = first.tracker.fee_pct("binance")
    best = walk_books(per_coin(rich[0].asks, "BTC/USDT:USDT"), rich[1].bids, fee, first.tracker.fee_pct("bybit"))
    assert best.size_base == Decimal("3.5")  # 3 at 100 and 0.5 at 100.4, into bids of 1.5 and 2

    first.on_depth(rich, at_ms=T0 + 100)
    first.on_depth(thin, at_ms=T0 + 200)  # pays less: the life keeps the richer walk
    await first.write_history()
    [row] = await _rows()
    assert (row.depth_size_base, row.depth_profit_quote) == (best.size_base, round(best.profit_quote, 12))

    second = await _started(clock, T0 + 6_000)  # the process died; its pair opens again in time
    _gap(second, T0 + 6_500)
    second.on_depth(_books(T0 + 6_600, "0.2"), at_ms=T0 + 6_600)
    await second.write_history()
    clock["ms"] = T0 + 7_000
    _gap(second, T0 + 7_000, sell_bid="100")  # the gap closes
    await second.write_history()

    [row] = await _rows()
    assert row.close_reason == "spread"
    assert (row.depth_size_base, row.depth_profit_quote) == (best.size_base, round(best.profit_quote, 12))
    assert row.peak_size_base == Decimal("1.5")  # the top of book's, beside it
