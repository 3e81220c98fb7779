"""The Feeds page warns while a feed is silent (amber) or down (red), with its last error and when."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from feeds.status import FeedStatus, status_key
from lib import clock

pytestmark = pytest.mark.django_db


def report(exchange: str, data_age_s: float, error: str = "") -> None:
    status = FeedStatus(exchange, state="connected")
    status.last_message_ms = clock.now_ms() - int(data_age_s * 1000)
    if error:
        status.record_error(error)
        status.last_error_ms -= 12_000
    cache.set(status_key(exchange), status.snapshot())


def row(page: str, exchange: str) -> str:
    return re.search(rf'<tr data-exchange="{exchange}".*?</tr>', page, re.S).group(0)


def test_silent_and_down_feeds_are_marked_with_why(client, alice):
    report("binance", data_age_s=0.2)
    report("bybit", data_age_s=8)
    report("okx", data_age_s=45, error="stalled: no data for 30 s")
    client.force_login(alice)
    page = client.get("/feeds/").content.decode()

    assert 'data-freshness="fresh" class="feed-fresh"' in row(page, "binance")
    silent = row(page, "bybit")
    assert 'class="feed-silent"' in silent and "no data for 8 s" in silent
    down = row(page, "okx")
    assert 'class="feed-down"' in down and "no data for 45 s" in down
    assert "stalled: no data for 30 s" in down
    # The last error's time of day (UTC) and how long ago, in words.
    assert re.search(r"<time [^>]*>\d\d:\d\d:\d\d UTC, 12\.\d s ago</time>", down)
    assert 'data-freshness="not-running"' in row(page, "kucoin")


def test_silence_is_judged_by_each_exchanges_expected_cadence(client, alice):
    from feeds.models import Exchange

    Exchange.objects.filter(id="okx").update(max_quote_age_ms=20_000)  # quotes usable for 20 s
    report("bybit", data_age_s=8)
    report("okx", data_age_s=8)
    client.force_login(alice)
    page = client.get("/feeds/").content.decode()
    assert 'class="feed-silent"' in row(page, "bybit")
    assert 'class="feed-fresh"' in row(page, "okx")


def test_an_exchanges_depth_connections_show_beside_its_state(client, alice):
    from feeds.runner import FeedWorker

    worker = FeedWorker(["binance"])
    worker.statuses["binance"] = [FeedStatus("binance", state="connected")]
    depth = FeedStatus("binance", state="backoff")
    depth.record_error("binance error 2: Invalid request")
    worker.depth_sessions["binance"] = [SimpleNamespace(status=depth)]
    cache.set_many(worker.status_snapshot())
    client.force_login(alice)
    binance = row(client.get("/feeds/").content.decode(), "binance")
    assert ">depth backoff</span>" in binance and "last error: binance error 2: Invalid request" in binance
