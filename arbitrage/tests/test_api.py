"""The market API: the seed's paths and shapes, symbols in every form, filters, paging."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from arbitrage.tests.api_market import hours_ago, list_instruments, quote_market, record_life

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    list_instruments()
    quote_market()


@pytest.fixture
def api(api_client, alice):
    api_client.force_authenticate(user=alice)
    return api_client


def test_prices_in_the_seeds_shape(api, market):
    body = api.get("/api/prices").json()
    assert set(body) >= {"prices", "timestamp"}
    binance = body["prices"]["BTC/USDT:USDT"]["binance"]
    assert (binance["bid"], binance["ask"], binance["price"]) == ("99.9", "100", "99.95")
    assert isinstance(binance["timestamp"], int)
    assert set(body["prices"]["BTC/USDT:USDT"]) == {"binance", "bybit"}
    assert body["count"] == 2


def test_prices_filter_by_exchange_and_limit(api, market):
    body = api.get("/api/prices?exchange=bybit").json()
    assert body["prices"] == {"BTC/USDT:USDT": {"bybit": body["prices"]["BTC/USDT:USDT"]["bybit"]}}
    assert api.get("/api/prices?exchange=bybit,binance&limit=1").json()["count"] == 2
    assert len(api.get("/api/prices?limit=1").json()["prices"]) == 1
    response = api.get("/api/prices?exchange=nasdaq")
    assert response.status_code == 400
    assert "unknown exchange 'nasdaq'" in response.json()["exchange"][0]


@pytest.mark.parametrize(
    "symbol",
    [
        quote("BTC/USDT:USDT", safe=""),
        "BTC/USDT:USDT",
        "BTC-USDT-USDT",
        "BTCUSDT",
        "btcusdt",
        "BTC-USDT-SWAP",
        "BTC_USDT",
        "XBTUSDTM",
    ],
)
def test_every_symbol_form_names_the_same_instrument(api, market, symbol):
    response = api.get(f"/api/prices/{symbol}")
    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "BTC/USDT:USDT"
    assert set(body["prices"]) == {"binance", "bybit"}


def test_unknown_symbols_are_a_404_that_says_how_to_name_one(api, market):
    for path in (
        "/api/prices/DOGEFOO",
        "/api/best-prices/DOGEFOO",
        "/api/arbitrage/DOGEFOO",
        "/api/spread/DOGEFOO/binance/bybit",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert "unknown symbol 'DOGEFOO'" in response.json()["detail"]
        assert "BTC-USDT-USDT" in response.json()["detail"]


def test_a_symbol_two_contracts_share_asks_for_the_canonical_name(api, market):
    response = api.get("/api/prices/BTCUSD")
    assert response.status_code == 404
    assert "BTC/USD:BTC, BTC/USD:USD" in response.json()["detail"]
    assert api.get("/api/prices/BTC-USD-BTC").json()["symbol"] == "BTC/USD:BTC"


def test_best_prices_across_exchanges(api, market):
    body = api.get("/api/best-prices/BTCUSDT").json()
    assert (body["best_bid"]["exchange"], body["best_bid"]["price"]) == ("bybit", "101")
    assert (body["best_ask"]["exchange"], body["best_ask"]["price"]) == ("binance", "100")
    assert (body["spread"], body["spread_percentage"], body["exchanges"]) == ("1", "1.000000", 2)
    assert body["best_bid"]["stale"] is False


def test_arbitrage_in_the_seeds_shape_with_filters(api, market):
    body = api.get("/api/arbitrage").json()
    [opportunity] = body["opportunities"]
    assert (opportunity["symbol"], opportunity["buy_exchange"], opportunity["sell_exchange"]) == (
        "BTC/USDT:USDT",
        "binance",
        "bybit",
    )
    assert (opportunity["buy_price"], opportunity["sell_price"], opportunity["spread"]) == ("100", "101", "1")
    assert opportunity["profitable"] is True
    assert api.get("/api/arbitrage?min_spread=50").json()["opportunities"] == []
    assert api.get("/api/arbitrage?exchange=okx").json()["count"] == 0
    assert api.get("/api/arbitrage?exchange=bybit&min_spread=0.5&limit=1").json()["count"] == 1
    assert api.get("/api/arbitrage?min_spread=lots").status_code == 400
    assert api.get("/api/arbitrage?limit=0").status_code == 400
    eth = api.get("/api/arbitrage/ETH-USDT-USDT").json()
    assert (eth["symbol"], eth["opportunities"], eth["count"]) == ("ETH/USDT:USDT", [], 0)
    assert api.get("/api/arbitrage/BTC_USDT").json()["count"] == 1


def test_spread_between_two_exchanges_both_ways(api, market):
    body = api.get("/api/spread/BTC-USDT-USDT/bybit/binance").json()
    assert (body["exchange1"], body["exchange2"]) == ("bybit", "binance")
    assert body["exchange1_quote"]["bid"] == "101"
    assert [(s["buy_exchange"], s["sell_exchange"]) for s in body["spreads"]] == [
        ("binance", "bybit"),
        ("bybit", "binance"),
    ]
    best = body["best"]
    assert (best["buy_price"], best["sell_price"], best["spread_percentage"]) == ("100", "101", "1.000000")
    # After the taker fees seeded for binance (0.05 %) and bybit (0.055 %).
    assert best["net_spread_pct"] == "0.894450"
    assert best["size_base"] == "1"
    assert best["profitable"] is True


def test_spread_needs_two_known_and_different_exchanges(api, market):
    response = api.get("/api/spread/BTCUSDT/binance/nasdaq")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("unknown exchange 'nasdaq'; known: binance, bitget")
    assert api.get("/api/spread/BTCUSDT/binance/BINANCE").status_code == 400
    unquoted = api.get("/api/spread/BTCUSDT/binance/okx").json()
    assert (unquoted["exchange2_quote"], unquoted["spreads"], unquoted["best"]) == (None, [], None)


def test_summary_now_and_since(api, market):
    record_life("binance", "bybit", hours_ago(2))
    record_life("binance", "bybit", hours_ago(30), net="2")
    body = api.get("/api/summary").json()
    assert (body["total_symbols"], body["total_exchanges"], body["total_quotes"]) == (2, 2, 3)
    assert body["exchanges"]["binance"]["instruments"] == 2
    assert body["open_opportunities"] == 1
    assert body["best_opportunity"]["buy_exchange"] == "binance"
    [row] = body["history"]
    assert (row["count"], row["best_net_spread_pct"], row["median_duration_ms"]) == (1, "0.50000000", 3000)
    since = hours_ago(48).isoformat()
    assert api.get("/api/summary", {"since": since}).json()["history"][0]["count"] == 2
    assert api.get("/api/summary?since=yesterday").status_code == 400


def test_opportunity_history_by_time_range_filters_and_pages(api):
    lives = [record_life("binance", "bybit", hours_ago(hours)) for hours in (1, 2, 3)]
    still_open = record_life("okx", "bybit", hours_ago(0.5), closed=False, net="1.5")
    body = api.get("/api/opportunities?limit=2").json()
    assert body["count"] == 4
    assert [item["id"] for item in body["results"]] == [str(still_open.id), str(lives[0].id)]
    assert body["next"].endswith("limit=2&offset=2")
    assert [i["id"] for i in api.get(body["next"]).json()["results"]] == [str(lives[1].id), str(lives[2].id)]
    window = api.get("/api/opportunities", {"since": hours_ago(2.5).isoformat(), "until": hours_ago(0.75).isoformat()})
    assert [i["id"] for i in window.json()["results"]] == [str(lives[0].id), str(lives[1].id)]
    assert api.get("/api/opportunities?state=open").json()["count"] == 1
    assert api.get("/api/opportunities?exchange=okx&min_spread=1").json()["count"] == 1
    assert api.get("/api/opportunities?symbol=BTC-USDT-USDT").json()["count"] == 4
    bad = api.get("/api/opportunities", {"since": hours_ago(1).isoformat(), "until": hours_ago(2).isoformat()})
    assert bad.status_code == 400


def test_the_root_serves_json_to_api_clients_and_the_dashboard_to_browsers(client, api, alice):
    root = api.get("/", HTTP_ACCEPT="application/json").json()
    assert root["endpoints"]["prices"] == "/api/prices"
    assert root["websocket"] == "/ws"
    assert api.get("/?format=json").json()["docs"] == "/api/docs/"
    assert api.get("/api/").json()["schema"] == "/api/schema/"
    browser = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 302
    assert browser["Location"].startswith("/accounts/login/")
    assert client.get("/", HTTP_ACCEPT="application/json").status_code == 401


def test_market_endpoints_need_a_user(api_client, market):
    for path in (
        "/api/prices",
        "/api/prices/BTCUSDT",
        "/api/best-prices/BTCUSDT",
        "/api/summary",
        "/api/arbitrage",
        "/api/arbitrage/BTCUSDT",
        "/api/spread/BTCUSDT/binance/bybit",
        "/api/opportunities",
        "/api/",
    ):
        assert api_client.get(path).status_code == 401, path
