"""/health tells a load balancer whether data is live: per exchange and overall, from how
recently each feed delivered, and whether the database, cache and channel layer answer."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from arbsite.asgi import application
from arbsite.tests.asgi_calls import django_requests, get
from feeds.status import FeedStatus, status_key
from lib import clock

pytestmark = pytest.mark.django_db


def report(exchange: str, *, data_age_s: float = 0.1, report_age_s: float = 0.5, state: str = "connected") -> None:
    """A status as a feed worker publishes it, `report_age_s` ago, data last seen `data_age_s` ago."""
    now_ms = clock.now_ms()
    status = FeedStatus(exchange, state=state)
    status.last_message_ms = now_ms - int(data_age_s * 1000)
    status.reconnects = 1
    snapshot = status.snapshot()
    snapshot["published_ms"] = now_ms - int(report_age_s * 1000)
    cache.set(status_key(exchange), snapshot)


def test_every_feed_fresh_is_ok(client):
    report("binance")
    report("bybit")
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] and body["channel_layer"] and body["cache"]
    assert body["exchanges"]["binance"]["freshness"] == "fresh"
    assert body["exchanges"]["binance"]["reconnects"] == 1
    assert body["exchanges"]["okx"] == {"freshness": "not running", "reason": "no worker has reported this exchange"}


def test_a_killed_worker_is_down_although_its_last_status_says_connected(client):
    report("binance")
    report("bybit", report_age_s=12)  # its worker was killed 12 s ago
    body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["exchanges"]["bybit"]["state"] == "connected"
    assert body["exchanges"]["bybit"]["freshness"] == "down"
    assert body["exchanges"]["bybit"]["reason"] == "its worker has not reported for 12 s"


def test_a_stalled_connection_is_silent_then_down(client):
    report("binance")
    report("bybit", data_age_s=8)
    assert client.get("/health").json()["exchanges"]["bybit"]["freshness"] == "silent"
    report("bybit", data_age_s=40)
    body = client.get("/health").json()
    assert (body["exchanges"]["bybit"]["freshness"], body["exchanges"]["bybit"]["reason"]) == (
        "down",
        "no data for 40 s",
    )
    assert body["status"] == "degraded"


@pytest.mark.django_db(transaction=True)  # the check reads exchanges on a thread of its own
def test_an_exchange_allowed_older_quotes_is_expected_to_be_quieter(client):
    from feeds.models import Exchange

    Exchange.objects.filter(id="bybit").update(max_quote_age_ms=20_000)  # a quiet exchange
    report("binance", data_age_s=8)
    report("bybit", data_age_s=8)
    body = client.get("/health").json()
    assert body["exchanges"]["binance"]["freshness"] == "silent"  # the site's 5 s
    assert body["exchanges"]["bybit"]["freshness"] == "fresh"  # its own 20 s


def test_nothing_fresh_is_503(client):
    report("binance", data_age_s=40)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_a_dead_redis_is_503(client, settings):
    report("binance")
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["channel_layer"] is False
    assert response.json()["status"] == "down"


def test_health_is_answered_without_entering_django():
    report("binance")
    with django_requests() as started:
        answer = get(application, "/health")
    assert started == []
    assert answer.status == 200
    assert json.loads(answer.body)["exchanges"]["binance"]["freshness"] == "fresh"
