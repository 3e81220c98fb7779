"""A user's own fees in what they read: /api/arbitrage ranks by their net, another user sees the
engine's figures at the admin's fees; their holding period and minimum net spread are the
defaults of `hours` and `min_spread`."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from accounts.trading import save_trading_settings
from arbitrage.engine import Engine, load_exchange_config
from arbitrage.tests.api_market import fund_market
from arbitrage.tests.factories import make_quote
from lib import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    """BTC: buy binance 100, sell bybit 101 (0.05 % + 0.055 %: 0.89445 % net).
    ETH: buy okx 2000, sell gateio 2019 (0.05 % + 0.05 %: 0.849525 % net)."""
    now_ms = clock.now_ms()
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=load_exchange_config())
    for exchange, instrument, bid, ask in [
        ("binance", "BTC/USDT:USDT", "99.9", "100"),
        ("bybit", "BTC/USDT:USDT", "101", "101.1"),
        ("okx", "ETH/USDT:USDT", "1999", "2000"),
        ("gateio", "ETH/USDT:USDT", "2019", "2020"),
    ]:
        engine.on_quotes([make_quote(exchange, instrument, bid=bid, ask=ask, size="1", ts_ms=now_ms)], at_ms=now_ms)
    async_to_sync(engine.fan_out)()


def _ranked(client) -> list[tuple[str, str, str, bool]]:
    found = client.get("/api/arbitrage").json()["opportunities"]
    return [(o["group"], o["net_spread_pct"], o["profit_quote"], o["profitable"]) for o in found]


def test_a_lower_fee_tier_changes_the_users_ranking_and_no_one_elses(as_user, alice, bob, market):
    save_trading_settings(alice, fees={"okx": {"taker_fee_pct": "0"}, "gateio": {"taker_fee_pct": "0.01"}})
    # Alice: (2019 × 0.9999 − 2000) / 2000 × 100 = 0.939905 %, ahead of BTC, untouched.
    assert _ranked(as_user(alice)) == [
        ("ETH/USD", "0.939905", "18.79810000", True),
        ("BTC/USD", "0.894450", "0.89445000", True),
    ]
    assert _ranked(as_user(bob)) == [
        ("BTC/USD", "0.894450", "0.89445000", True),
        ("ETH/USD", "0.849525", "16.99050000", True),
    ]


def test_higher_fees_of_ones_own_can_sink_an_opportunity_under_a_minimum(as_user, alice, market):
    save_trading_settings(alice, fees={"binance": {"taker_fee_pct": "0.5"}, "bybit": {"taker_fee_pct": "0.5"}})
    client = as_user(alice)
    # (101 × 0.995 − 100 × 1.005) / 100 × 100 = −0.005 %: shown, unprofitable, last.
    assert _ranked(client)[-1] == ("BTC/USD", "-0.005000", "-0.00500000", False)
    assert [o["group"] for o in client.get("/api/arbitrage?min_spread=0").json()["opportunities"]] == ["ETH/USD"]
    # The instrument's own list and the pair's spreads are at her fees too.
    [btc] = client.get("/api/arbitrage/BTC-USDT-USDT").json()["opportunities"]
    assert btc["net_spread_pct"] == "-0.005000"
    best = client.get("/api/spread/BTC-USDT-USDT/binance/bybit").json()["best"]
    assert best["net_spread_pct"] == "-0.005000"


def test_the_users_minimum_net_spread_is_the_default_filter(as_user, alice, bob, market):
    save_trading_settings(alice, min_net_spread_pct="0.85")
    assert [row[0] for row in _ranked(as_user(alice))] == ["BTC/USD"]
    assert [o["group"] for o in as_user(alice).get("/api/arbitrage?min_spread=0").json()["opportunities"]] == [
        "BTC/USD",
        "ETH/USD",
    ]
    assert len(_ranked(as_user(bob))) == 2


def test_the_users_holding_period_is_the_default_of_hours(as_user, alice, monkeypatch):
    now_ms = fund_market()
    monkeypatch.setattr(clock, "now_ms", lambda: now_ms)
    save_trading_settings(alice, holding_h=24)
    client = as_user(alice)
    [opportunity] = client.get("/api/arbitrage").json()["opportunities"]
    assert (opportunity["funding"]["hours"], opportunity["funding"]["funding_pct"]) == (24, "0.15000000")
    assert client.get("/api/arbitrage?hours=8").json()["opportunities"][0]["funding"]["hours"] == 8
    assert client.get("/api/funding").json()["hours"] == 24


def _page_opportunities(client, url: str = "/opportunities/") -> list[dict]:
    import json
    import re

    page = client.get(url).content.decode()
    found = re.search(r'<script id="open-opportunities" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_opportunities_page_ranks_at_the_users_fees_and_gives_its_script_the_fee_table(client, alice, bob, market):
    save_trading_settings(alice, fees={"okx": {"taker_fee_pct": "0"}, "gateio": {"taker_fee_pct": "0.01"}})
    client.force_login(alice)
    assert [(o["group"], o["net_spread_pct"]) for o in _page_opportunities(client)] == [
        ("ETH/USD", "0.939905"),
        ("BTC/USD", "0.894450"),
    ]
    # The instrument page's table too.
    [eth] = _page_opportunities(client, "/instruments/ETH/USDT:USDT/")
    assert eth["net_spread_pct"] == "0.939905"
    client.force_login(bob)
    assert [o["group"] for o in _page_opportunities(client)] == ["BTC/USD", "ETH/USD"]


def test_the_opportunities_page_starts_from_the_users_minimum(client, alice, market):
    save_trading_settings(alice, min_net_spread_pct="0.85")
    client.force_login(alice)
    assert [o["group"] for o in _page_opportunities(client)] == ["BTC/USD"]
    assert 'value="0.850000"' in client.get("/opportunities/").content.decode()
    # A filter asked for (here: none) wins.
    assert len(_page_opportunities(client, "/opportunities/?min_net_spread_pct=")) == 2


def test_the_summarys_best_opportunity_is_at_the_users_fees(as_user, alice, bob, market):
    save_trading_settings(alice, fees={"okx": {"taker_fee_pct": "0"}, "gateio": {"taker_fee_pct": "0.01"}})
    best = as_user(alice).get("/api/summary").json()["best_opportunity"]
    assert (best["group"], best["net_spread_pct"]) == ("ETH/USD", "0.939905")
    assert as_user(bob).get("/api/summary").json()["best_opportunity"]["group"] == "BTC/USD"


def test_near_misses_and_the_prices_page_are_at_the_users_fees(as_user, client, alice, bob):
    from arbitrage.tests.api_market import quote_close_market

    quote_close_market()  # buy binance 100, sell bybit 99.95: 15 bps from break-even at 0.05 % each
    save_trading_settings(alice, fees={"binance": {"taker_fee_pct": "0"}, "bybit": {"taker_fee_pct": "0"}})
    # Alice pays nothing: (99.95 − 100) / 100 × 100 = −0.05 %, 5 bps from break-even.
    [miss] = as_user(alice).get("/api/arbitrage?near_miss_bps=6").json()["near_misses"]
    assert (miss["net_spread_pct"], miss["to_break_even_bps"]) == ("-0.050000", "5.00")
    assert as_user(bob).get("/api/arbitrage?near_miss_bps=6").json()["near_misses"] == []
    # The Prices page's columns carry her fees, for the net spread its script keeps live.
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert 'data-exchange="binance" data-max-quote-age-ms="5000" data-taker-fee-pct="0.00000"' in page
    client.force_login(bob)
    assert (
        'data-exchange="binance" data-max-quote-age-ms="5000" data-taker-fee-pct="0.05000"'
        in client.get("/").content.decode()
    )
