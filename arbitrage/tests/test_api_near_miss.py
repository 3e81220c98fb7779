"""/api/arbitrage?near_miss_bps=: the pairs within that many basis points of breaking even."""

from __future__ import annotations

import pytest

from arbitrage.tests.api_market import quote_close_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, alice):
    api_client.force_authenticate(user=alice)
    return api_client


@pytest.fixture
def close_market():
    quote_close_market()


def test_near_misses_with_their_distance_to_break_even(api, close_market):
    body = api.get("/api/arbitrage?near_miss_bps=20").json()
    assert body["opportunities"] == []
    assert body["near_miss_count"] == 1
    [miss] = body["near_misses"]
    assert miss == {
        "group": "BTC/USD",
        "symbol": "BTC/USDT:USDT",
        "buy_exchange": "binance",
        "buy_instrument": "BTC/USDT:USDT",
        "buy_price": "100",
        "sell_exchange": "bybit",
        "sell_instrument": "BTC/USDT:USDT",
        "sell_price": "99.95",
        "gross_spread_pct": "-0.050000",
        "net_spread_pct": "-0.149975",
        "to_break_even_bps": "15.00",
        "size_base": "1",
        "basis_risk": False,
        "quote_age_ms": miss["quote_age_ms"],
    }
    assert 0 <= miss["quote_age_ms"] < 5000
    wider = api.get("/api/arbitrage?near_miss_bps=30").json()
    assert [m["to_break_even_bps"] for m in wider["near_misses"]] == ["15.00", "24.99"]
    assert api.get("/api/arbitrage?near_miss_bps=30&limit=1").json()["near_miss_count"] == 2
    assert len(api.get("/api/arbitrage?near_miss_bps=30&limit=1").json()["near_misses"]) == 1
    assert api.get("/api/arbitrage?near_miss_bps=30&min_size=1.5").json()["near_misses"] == []
    assert api.get("/api/arbitrage?near_miss_bps=10").json()["near_misses"] == []
    symbol = api.get("/api/arbitrage/BTC-USDT-USDT?near_miss_bps=20").json()
    assert symbol["near_miss_count"] == 1


def test_near_misses_only_when_asked_and_bounded(api, close_market):
    assert "near_misses" not in api.get("/api/arbitrage").json()
    assert api.get("/api/arbitrage?near_miss_bps=0").status_code == 400
    assert api.get("/api/arbitrage?near_miss_bps=5000").status_code == 400
    assert api.get("/api/arbitrage?near_miss_bps=far").status_code == 400
