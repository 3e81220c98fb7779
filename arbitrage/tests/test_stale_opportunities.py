"""The periodic close of opportunity rows no running engine holds (celery beat)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from arbitrage.models import Opportunity
from arbitrage.quote_cache import OPPORTUNITIES_KEY
from arbitrage.tasks import close_stale_opportunities
from arbitrage.tests.api_market import hours_ago, record_life

pytestmark = pytest.mark.django_db


def test_rows_left_open_that_the_engine_does_not_hold_are_closed_as_stale_when_last_seen(settings):
    settings.OPPORTUNITY_STALE_AFTER_S = 900
    held = record_life("binance", "bybit", hours_ago(2), closed=False)  # a long life the engine still tracks
    left = record_life("okx", "bybit", hours_ago(1), closed=False, seen_for_s=1234.5)  # its close never written
    young = record_life("okx", "kucoin", hours_ago(1), closed=False, seen_for_s=3000)  # seen 10 min ago
    closed = record_life("bitget", "bybit", hours_ago(3))
    cache.set(OPPORTUNITIES_KEY, {held.id.hex: ("BTC/USDT:USDT", "BTC/USDT:USDT", "{}")})

    assert close_stale_opportunities.apply().get() == 1

    left.refresh_from_db()
    assert (left.close_reason, left.duration_ms, left.closed_at) == ("stale", 1_234_500, left.last_seen_at)
    assert set(Opportunity.objects.filter(closed_at__isnull=True).values_list("id", flat=True)) == {held.id, young.id}
    assert Opportunity.objects.get(pk=closed.pk).close_reason == "spread"
    assert close_stale_opportunities.apply().get() == 0


def test_with_no_engine_heartbeat_every_old_open_row_is_closed(settings):
    settings.OPPORTUNITY_STALE_AFTER_S = 900
    record_life("binance", "bybit", hours_ago(2), closed=False)
    record_life("okx", "bybit", hours_ago(1), closed=False)
    assert close_stale_opportunities.apply().get() == 2  # no open set in the cache: no engine running
