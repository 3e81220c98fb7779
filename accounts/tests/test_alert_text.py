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


DEPTH = {
    "size_base": "3.0",
    "avg_buy_price": "100.13333333",
    "avg_sell_price": "100.80000000",
    "buy_slippage_pct": "0.133333",
    "sell_slippage_pct": "0.198020",
    "net_spread_pct": "0.565858",
    "profit_quote": "1.69860000",
    "books_exhausted": False,
}


def test_with_depth_the_text_gives_the_walk_of_both_books_not_the_top_of_books_size():
    walked = opportunity(depth=DEPTH, size_base="34", buy_price="100.2", sell_price="100.9")
    lines = Alert(Kind.OPPORTUNITY, 1, "majors", walked).text.splitlines()

    # Average prices two places finer than the exchange writes its own (100.2: one place).
    assert (
        "Walking both books: 3 BTC at 100.133 → 100.800 on average (slippage 0.133333 % / 0.19802 %), "
        "0.565858 % net; profit 1.6986 USDT." in lines
    )
    assert not any("34 BTC" in line for line in lines)


def test_without_depth_the_size_is_labelled_top_of_book():
    lines = Alert(Kind.OPPORTUNITY, 1, "majors", opportunity(size_base="2.5", profit_quote="7.25")).text.splitlines()

    assert "Top of book (depth not known): 2.5 BTC executable; estimated profit 7.25 USDT." in lines
