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
