"""What an alert says of an opportunity's funding leg, when the engine knew both legs' funding."""

from __future__ import annotations

from accounts.alerts.messages import Alert, Kind
from accounts.tests.alerting import opportunity

FUNDING = {
    "long": {"exchange": "binance", "rate_pct": "0.01000000", "interval_h": 8, "next_funding_ms": 1},
    "short": {"exchange": "bybit", "rate_pct": "0.03000000", "interval_h": 4, "next_funding_ms": 1},
    "hours": 8,
    "funding_pct": "0.05000000",
    "per_day_pct": "0.15000000",
    "edge_pct": "0.33920600",
}


def test_the_text_names_funding_and_the_edge_after_it():
    alert = Alert(Kind.OPPORTUNITY, 1, "majors", opportunity(funding=FUNDING))
    assert "Funding over 8 h (long binance, short bybit): 0.05 %; edge 0.339206 %." in alert.text.splitlines()
    assert str(alert.data(0).opportunity.funding.edge_pct) == "0.33920600"


def test_without_funding_the_text_says_nothing_of_it():
    assert "Funding" not in Alert(Kind.OPPORTUNITY, 1, "majors", opportunity()).text
