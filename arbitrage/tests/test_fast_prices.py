"""GET /api/prices with a bearer token is answered on the fast path, with exactly PricesView's
answer; every other call is PricesView's own."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework_simplejwt.tokens import AccessToken

from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import quotes_key
from arbitrage.tests.api_market import list_instruments, quote_market
from arbitrage.tests.factories import make_quote
from arbsite.asgi import application, django_asgi_app
from arbsite.tests.asgi_calls import django_requests, get

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market():
    list_instruments()
    quote_market()


@pytest.fixture
def bearer(alice):
    return {"Authorization": f"Bearer {AccessToken.for_user(alice)}"}


def without_timestamp(body: bytes) -> dict:
    data = json.loads(body)
    assert data.pop("timestamp").endswith("Z")
    return data


def comparable(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in {"date", "server"}}


@pytest.mark.parametrize("query", ["", "?format=json"])
def test_a_bearer_call_never_enters_django_and_gets_drfs_answer(market, bearer, query):
    with django_requests() as started:
        fast = get(application, f"/api/prices{query}", bearer)
    assert started == []
    reference = get(django_asgi_app, f"/api/prices{query}", bearer)
    assert fast.status == reference.status == 200
    assert without_timestamp(fast.body) == without_timestamp(reference.body)
    assert comparable(fast.headers) == comparable(reference.headers)


NO_TOKEN, BAD_TOKEN, BAD_PARAMETER, FILTER, BROWSER = "no token", "bad token", "bad parameter", "filter", "browser"


@pytest.mark.parametrize(
    ("case", "status"), [(NO_TOKEN, 401), (BAD_TOKEN, 401), (BAD_PARAMETER, 400), (FILTER, 200), (BROWSER, 200)]
)
def test_every_other_call_is_answered_by_django(market, bearer, case, status):
    path, headers = {
        NO_TOKEN: ("/api/prices", {}),
        BAD_TOKEN: ("/api/prices", {"Authorization": "Bearer not-a-token"}),
        BAD_PARAMETER: ("/api/prices?limit=0", bearer),
        FILTER: ("/api/prices?limit=1", bearer),
        BROWSER: ("/api/prices", {**bearer, "Accept": "text/html"}),  # the browsable API
    }[case]
    with django_requests() as started:
        answer = get(application, path, headers)
    assert len(started) == 1
    assert answer.status == status
    if case == BROWSER:
        assert answer.headers["content-type"].startswith("text/html")
    elif case == FILTER:
        assert without_timestamp(answer.body) == without_timestamp(get(django_asgi_app, path, headers).body)
    else:
        assert answer.body == get(django_asgi_app, path, headers).body


def test_fast_and_drf_calls_count_against_one_rate(market, bearer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"},
    }
    settings.API_THROTTLE_SYNC_MS = 0  # every fast call sees the shared counts as they are
    assert get(application, "/api/prices", bearer).status == 200
    assert get(django_asgi_app, "/api/prices", bearer).status == 200
    assert get(application, "/api/prices", bearer).status == 200
    with django_requests() as started:
        refused = get(application, "/api/prices", bearer)
    assert refused.status == 429 and len(started) == 1  # DRF says so, in its words
    assert int(refused.headers["retry-after"]) > 0


def test_a_password_change_refuses_older_tokens_at_once(market, bearer, alice):
    assert get(application, "/api/prices", bearer).status == 200
    alice.set_password("another-pass-5678")
    alice.save()
    answer = get(application, "/api/prices", bearer)
    assert answer.status == 401
    assert json.loads(answer.body)["code"] == "password_changed"


def test_a_deactivation_saved_elsewhere_refuses_within_the_user_cache_time(market, bearer, alice, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("accounts.api_auth.time.monotonic", lambda: clock[0])
    assert get(application, "/api/prices", bearer).status == 200
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)  # no signal: another process did it
    assert get(application, "/api/prices", bearer).status == 200  # this process has not looked again yet
    clock[0] += 5.01  # API_USER_CACHE_S
    answer = get(application, "/api/prices", bearer)
    assert answer.status == 401
    assert json.loads(answer.body)["code"] == "user_inactive"


def test_served_quotes_are_at_most_the_document_cache_time_old(market, bearer, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("lib.refreshed.time.monotonic", lambda: clock[0])

    def binance_bid() -> str:
        return json.loads(get(application, "/api/prices", bearer).body)["prices"]["BTC/USDT:USDT"]["binance"]["bid"]

    assert binance_bid() == "99.9"
    row = cache.get(quotes_key("BTC/USDT:USDT"))
    cache.set(quotes_key("BTC/USDT:USDT"), {**row, "binance": quote_fragment(make_quote("binance", bid="99.5"))})
    assert binance_bid() == "99.9"
    clock[0] += 0.101  # API_PRICES_CACHE_MS
    assert binance_bid() == "99.5"
