"""Watched instruments through the API: each user's own list."""

from __future__ import annotations

import pytest

from accounts.models import WatchedInstrument
from accounts.services import watched_instruments

pytestmark = pytest.mark.django_db


def test_watch_list_and_unwatch(as_user, alice):
    response = as_user(alice).post("/api/watchlist", {"instrument": "ETHUSDT"}, format="json")
    assert response.status_code == 400  # an exchange form nobody lists
    assert "unknown symbol 'ETHUSDT'" in response.json()["instrument"][0]
    response = as_user(alice).post("/api/watchlist", {"instrument": "ETH-USDT-USDT"}, format="json")
    assert response.status_code == 201
    watched = response.json()
    assert watched["instrument"] == "ETH/USDT:USDT"
    again = as_user(alice).post("/api/watchlist", {"instrument": "ETH/USDT:USDT"}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, watched["id"])
    listing = as_user(alice).get("/api/watchlist").json()
    assert (listing["count"], [w["instrument"] for w in listing["instruments"]]) == (1, ["ETH/USDT:USDT"])
    assert watched_instruments(alice) == {"ETH/USDT:USDT"}
    assert as_user(alice).delete(f"/api/watchlist/{watched['id']}").status_code == 204
    assert not WatchedInstrument.objects.exists()


def test_bob_neither_sees_nor_removes_alices_instruments(as_user, alice, bob):
    mine = WatchedInstrument.objects.create(user=alice, instrument="BTC/USDT:USDT")
    assert as_user(bob).get("/api/watchlist").json() == {"instruments": [], "count": 0}
    assert as_user(bob).get(f"/api/watchlist/{mine.pk}").status_code == 404
    assert as_user(bob).delete(f"/api/watchlist/{mine.pk}").status_code == 404
    assert WatchedInstrument.objects.filter(pk=mine.pk, user=alice).exists()


def test_bob_watching_the_same_instrument_gets_his_own_row(as_user, alice, bob):
    mine = WatchedInstrument.objects.create(user=alice, instrument="BTC/USDT:USDT")
    response = as_user(bob).post("/api/watchlist", {"instrument": "BTC/USDT:USDT"}, format="json")
    assert response.status_code == 201
    assert response.json()["id"] != mine.pk
    assert watched_instruments(alice) == watched_instruments(bob) == {"BTC/USDT:USDT"}


def test_anonymous_callers_cannot_watch(api_client):
    assert api_client.post("/api/watchlist", {"instrument": "BTC/USDT:USDT"}, format="json").status_code == 401
    assert not WatchedInstrument.objects.exists()
