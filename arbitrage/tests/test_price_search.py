"""GET /prices/search: the Prices page's filter finds any instrument the engine quotes."""

import pytest
from django.core.cache import cache

from arbitrage.quote_cache import INDEX_KEY
from arbitrage.tests.factories import list_instrument

pytestmark = pytest.mark.django_db

QUOTED = ["BTC/USDT:USDT", "ETH/USDT:USDT", "1000PEPE/USDT:USDT", "PEPE/USDC:USDC", "WIF/USDT:USDT", "SWIFT/USDT:USDT"]


def test_the_search_needs_a_login_and_says_nothing_without_one(client):
    cache.set(INDEX_KEY, QUOTED)
    response = client.get("/prices/search", {"q": "pepe"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_search_finds_quoted_instruments_beyond_the_pages_rows_best_first(client, alice):
    cache.set(INDEX_KEY, QUOTED)
    client.force_login(alice)
    response = client.get("/prices/search", {"q": " pepe"})
    assert response.status_code == 200
    assert response.json() == {
        "query": "PEPE",
        "instruments": [
            {"instrument": "PEPE/USDC:USDC", "base": "PEPE", "match": "exact"},
            {"instrument": "1000PEPE/USDT:USDT", "base": "1000PEPE", "match": "exact"},
        ],
        "count": 2,
        "more": 0,
    }
    body = client.get("/prices/search", {"q": "wif"}).json()
    assert [(i["instrument"], i["match"]) for i in body["instruments"]] == [
        ("WIF/USDT:USDT", "exact"),
        ("SWIFT/USDT:USDT", "substring"),
    ]


def test_the_search_answers_the_best_fifty_and_counts_the_rest(client, alice):
    cache.set(INDEX_KEY, [f"COIN{n:03}/USDT:USDT" for n in range(120)] + ["COIN/USDT:USDT"])
    client.force_login(alice)
    body = client.get("/prices/search", {"q": "coin"}).json()
    assert (len(body["instruments"]), body["count"], body["more"]) == (50, 121, 71)
    assert body["instruments"][0] == {"instrument": "COIN/USDT:USDT", "base": "COIN", "match": "exact"}
    assert body["instruments"][1] == {"instrument": "COIN000/USDT:USDT", "base": "COIN000", "match": "prefix"}
    assert body["instruments"][-1]["instrument"] == "COIN048/USDT:USDT"


def test_an_empty_query_or_an_empty_cache_finds_nothing(client, alice):
    client.force_login(alice)
    assert client.get("/prices/search", {"q": "btc"}).json() == {
        "query": "BTC",
        "instruments": [],
        "count": 0,
        "more": 0,
    }
    cache.set(INDEX_KEY, QUOTED)
    assert client.get("/prices/search").json() == {"query": "", "instruments": [], "count": 0, "more": 0}


def test_an_exchanges_own_symbol_or_the_url_safe_form_finds_its_instrument_first(client, alice):
    list_instrument("bitmex", "PEPE/USDT:USDT", "0.0000001", symbol="PEPEUSDT")
    cache.set(INDEX_KEY, [*QUOTED, "PEPE/USDT:USDT"])
    client.force_login(alice)

    by_symbol = client.get("/prices/search", {"q": "pepeusdt"}).json()
    assert by_symbol["instruments"] == [{"instrument": "PEPE/USDT:USDT", "base": "PEPE", "match": "exact"}]
    assert by_symbol["count"] == 1
    url_safe = client.get("/prices/search", {"q": "wif-usdt-usdt"}).json()
    assert [i["instrument"] for i in url_safe["instruments"]] == ["WIF/USDT:USDT"]
