import pytest
from django.core.cache import cache

from feeds.status import status_key

pytestmark = pytest.mark.django_db


def test_health_needs_no_login_and_reports_each_part(client):
    cache.set(
        status_key("binance"),
        {"state": "connected", "last_message_ms": None, "messages_per_s": 12.0, "reconnects": 1, "last_error": ""},
    )
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] and body["channel_layer"] and body["cache"]
    assert body["exchanges"]["binance"]["state"] == "connected"
    assert body["exchanges"]["binance"]["reconnects"] == 1


def test_health_reports_a_dead_redis_as_degraded(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["channel_layer"] is False
    assert response.json()["status"] == "degraded"
