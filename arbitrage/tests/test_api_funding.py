"""GET /api/funding: pairs ranked by funding per day, the spread as entry, exact figures."""

from __future__ import annotations

import pytest

from arbitrage.tests.api_market import H, fund_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, alice):
    api_client.force_authenticate(user=alice)
    return api_client


@pytest.fixture
def funded_market():
    return fund_market()


def test_pairs_ranked_by_funding_per_day_with_entry_and_edge(api, funded_market):
    body = api.get("/api/funding").json()
    assert body["hours"] == 8
    # Long binance or okx (0.03 %/day) against short bybit (0.18 %/day); binance and okx cancel.
    assert [(p["long"]["exchange"], p["short"]["exchange"]) for p in body["pairs"]] == [
        ("binance", "bybit"),
        ("okx", "bybit"),
    ]
    assert body["count"] == 2
    best = body["pairs"][0]
    assert best["market"] == "BTC/USD"
    assert (best["daily_pct"], best["annual_pct"]) == ("0.15000000", "54.75000000")
    assert (best["long"]["events"], best["short"]["events"]) == (1, 2)
    assert (best["long"]["funding_pct"], best["short"]["funding_pct"]) == ("-0.01000000", "0.06000000")
    assert best["funding_pct"] == "0.05000000"
    # Buy binance at 100 (+0.05 %), sell bybit at 101 (-0.05 %): (100.9495 - 100.05) / 100.
    assert best["entry_net_spread_pct"] == "0.89950000"
    assert best["edge_pct"] == "0.94950000"
    assert (best["long"]["interval_h"], best["short"]["interval_h"]) == (8, 4)
    assert best["long"]["next_funding_ms"] == funded_market + 2 * H
    assert 2 * H - 60_000 < best["long"]["countdown_ms"] <= 2 * H
    assert best["basis_risk"] is False
    # okx has no quote: no entry, no edge, funding still ranked.
    assert body["pairs"][1]["entry_net_spread_pct"] is None and body["pairs"][1]["edge_pct"] is None


def test_holding_period_changes_the_events_counted_not_the_daily_rate(api, funded_market):
    best = api.get("/api/funding?hours=24").json()["pairs"][0]
    assert (best["long"]["events"], best["short"]["events"]) == (3, 6)  # +2, +10, +18 h; +1 ... +21 h
    assert best["funding_pct"] == "0.15000000"
    assert best["daily_pct"] == "0.15000000"


def test_filter_limit_and_bad_input(api, funded_market):
    assert [p["long"]["exchange"] for p in api.get("/api/funding?exchange=okx").json()["pairs"]] == ["okx"]
    limited = api.get("/api/funding?limit=1").json()
    assert (len(limited["pairs"]), limited["count"]) == (1, 2)
    # Only the pairs shown are priced then: the same entry and edge as when every pair is.
    # (Ranked by edge, every pair is priced before ranking.)
    [first] = [p for p in api.get("/api/funding?sort=edge").json()["pairs"] if p["long"]["exchange"] == "binance"]
    priced = ("entry_net_spread_pct", "funding_pct", "edge_pct")
    assert [limited["pairs"][0][name] for name in priced] == [first[name] for name in priced]
    assert first["edge_pct"] is not None
    assert api.get("/api/funding?hours=0").status_code == 400
    assert api.get("/api/funding?exchange=nasdaq").status_code == 400


def test_the_pages_filters_on_the_api_too(api, funded_market):
    def longs(query: str) -> list[str]:
        return [p["long"]["exchange"] for p in api.get(f"/api/funding?{query}").json()["pairs"]]

    assert longs("positive_edge=true") == ["binance"]  # okx's entry is not quoted: no edge
    assert longs("q=BTC/USD") == ["binance", "okx"] and longs("q=eth") == []
    assert longs("q=XBTUSDTM") == ["binance", "okx"]  # KuCoin's own symbol, as the Prices search takes it
    assert longs("min_daily_pct=0.15") == ["binance", "okx"] and longs("min_daily_pct=0.16") == []
    assert longs("sort=edge") == ["binance", "okx"]
    assert api.get("/api/funding?sort=profit").status_code == 400


def test_funding_needs_a_user_and_is_listed_in_the_root(api_client, api, funded_market):
    assert api.get("/api/").json()["endpoints"]["funding"] == "/api/funding"
    api_client.force_authenticate(user=None)
    assert api_client.get("/api/funding").status_code == 401
