"""GET /api/arbitrage: each opportunity's funding leg (long where it buys, short where it
sells) over the holding period asked for, exact; null without both legs' funding."""

from __future__ import annotations

import pytest

from arbitrage.tests.api_market import H, fund_market, list_instruments, quote_market
from lib import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client, alice):
    api_client.force_authenticate(user=alice)
    return api_client


@pytest.fixture
def funded_at(monkeypatch):
    now_ms = fund_market()
    # Holding periods count from the moment the records were written: exact event counts.
    monkeypatch.setattr(clock, "now_ms", lambda: now_ms)
    return now_ms


def test_each_opportunity_carries_its_funding_leg_over_8_hours(api, funded_at):
    [opportunity] = api.get("/api/arbitrage").json()["opportunities"]
    assert (opportunity["buy_exchange"], opportunity["sell_exchange"]) == ("binance", "bybit")
    # Buy binance at 100, sell bybit at 101, 0.05 % fee each: 0.8995 % net. Long binance pays
    # 0.01 % once (+2 h), short bybit earns 0.03 % twice (+1 h, +5 h) in 8 h: 0.05 %.
    assert opportunity["net_spread_pct"] == "0.899500"
    assert opportunity["funding"] == {
        "long": {
            "exchange": "binance",
            "rate_pct": "0.01000000",
            "interval_h": 8,
            "next_funding_ms": funded_at + 2 * H,
        },
        "short": {"exchange": "bybit", "rate_pct": "0.03000000", "interval_h": 4, "next_funding_ms": funded_at + H},
        "hours": 8,
        "funding_pct": "0.05000000",
        "per_day_pct": "0.15000000",  # 0.03 × 6 − 0.01 × 3
        "edge_pct": "0.94950000",
    }


def test_a_longer_holding_period_counts_more_events(api, funded_at):
    funding = api.get("/api/arbitrage?hours=24").json()["opportunities"][0]["funding"]
    # Long: +2, +10, +18 h (3 × −0.01 %); short: +1 … +21 h (6 × 0.03 %).
    assert (funding["hours"], funding["funding_pct"], funding["edge_pct"]) == (24, "0.15000000", "1.04950000")
    assert funding["per_day_pct"] == "0.15000000"
    # The instrument's own list carries it too.
    [same] = api.get("/api/arbitrage/BTCUSDT?hours=24").json()["opportunities"]
    assert same["funding"] == funding


def test_no_funding_record_on_a_leg_leaves_funding_null(api):
    list_instruments()
    quote_market()
    [opportunity] = api.get("/api/arbitrage").json()["opportunities"]
    assert opportunity["funding"] is None


@pytest.mark.parametrize("hours", ["0", "721", "eight"])
def test_a_holding_period_out_of_bounds_is_refused(api, funded_at, hours):
    response = api.get(f"/api/arbitrage?hours={hours}")
    assert response.status_code == 400 and "hours" in response.json()


def test_the_funding_leg_is_documented(api):
    schema = api.get("/api/schema/?format=json").json()
    [hours] = [p for p in schema["paths"]["/api/arbitrage"]["get"]["parameters"] if p["name"] == "hours"]
    assert (hours["schema"]["minimum"], hours["schema"]["maximum"]) == (1, 720)
    # No fixed default: the caller's own holding period (GET /api/settings), 8 h unless changed.
    assert "default" not in hours["schema"] and "/api/settings" in hours["description"]
    funding = schema["components"]["schemas"]["OpportunityFunding"]
    assert set(funding["required"]) == {"long", "short", "hours", "funding_pct", "per_day_pct", "edge_pct"}
    leg = schema["components"]["schemas"]["OpportunityFundingLeg"]
    assert set(leg["required"]) == {"exchange", "rate_pct", "interval_h", "next_funding_ms"}
