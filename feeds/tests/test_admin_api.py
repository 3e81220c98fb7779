"""Exchange and instrument settings through the API: admins only, as in Django admin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.models import Exchange, Instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    return Instrument.objects.create(
        exchange="binance",
        symbol="BTCUSDT",
        instrument="BTC/USDT:USDT",
        base="BTC",
        quote="USDT",
        settle="USDT",
        linear=True,
        contract_size=1,
        tick_size="0.1",
    )


def test_an_admin_lists_and_tunes_exchanges(as_user, admin):
    client = as_user(admin)
    exchanges = client.get("/api/admin/exchanges").json()
    assert len(exchanges) == 11
    assert exchanges[0] == {
        "id": "binance",
        "name": "Binance",
        "enabled": True,
        "taker_fee_pct": "0.05000",
        "maker_fee_pct": "0.02000",
        "max_quote_age_ms": 5000,
    }
    response = client.patch(
        "/api/admin/exchanges/bybit", {"taker_fee_pct": "0.04", "max_quote_age_ms": 2000}, format="json"
    )
    assert response.status_code == 200
    bybit = Exchange.objects.get(id="bybit")
    assert (bybit.taker_fee_pct, bybit.max_quote_age_ms) == (Decimal("0.04"), 2000)
    assert client.patch("/api/admin/exchanges/bybit", {"taker_fee_pct": "7"}, format="json").status_code == 400
    assert client.get("/api/admin/exchanges/nasdaq").status_code == 404


def test_an_admin_lists_and_disables_instruments(as_user, admin, listed):
    client = as_user(admin)
    page = client.get("/api/admin/instruments?exchange=binance&enabled=true").json()
    assert [(i["symbol"], i["instrument"]) for i in page["results"]] == [("BTCUSDT", "BTC/USDT:USDT")]
    assert client.get("/api/admin/instruments?exchange=okx").json()["count"] == 0
    response = client.patch(f"/api/admin/instruments/{listed.pk}", {"enabled": False}, format="json")
    assert (response.status_code, response.json()["enabled"]) == (200, False)
    listed.refresh_from_db()
    assert listed.enabled is False
    assert client.get("/api/admin/instruments?enabled=false").json()["count"] == 1


def test_users_who_are_not_admins_can_neither_read_nor_change(as_user, alice, listed):
    client = as_user(alice)
    before = list(Exchange.objects.values())
    assert client.get("/api/admin/exchanges").status_code == 403
    assert client.get("/api/admin/instruments").status_code == 403
    assert client.patch("/api/admin/exchanges/binance", {"taker_fee_pct": "0"}, format="json").status_code == 403
    assert client.patch(f"/api/admin/instruments/{listed.pk}", {"enabled": False}, format="json").status_code == 403
    assert list(Exchange.objects.values()) == before
    assert Instrument.objects.get(pk=listed.pk).enabled is True


def test_anonymous_callers_are_asked_to_authenticate(api_client):
    assert api_client.get("/api/admin/exchanges").status_code == 401


def test_django_admin_edits_the_same_settings(client, admin):
    client.force_login(admin)
    assert client.get("/admin/feeds/exchange/").status_code == 200
    assert client.get("/admin/feeds/instrument/").status_code == 200
