import pytest
from django.core.cache import cache

from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import INDEX_KEY, quotes_key
from arbitrage.tests.factories import make_quote
from feeds.status import SIMULATED_KEY

pytestmark = pytest.mark.django_db


def test_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_renders_cached_quotes(client, alice):
    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(bid="43250.1", ask="43250.2"))})
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert 'data-instrument="BTC/USDT:USDT"' in page
    assert '<span class="bid">43250.1</span>' in page
    assert "SIMULATED DATA" not in page


def test_every_page_says_when_data_is_simulated(client, alice):
    cache.set(SIMULATED_KEY, True)
    assert "SIMULATED DATA" in client.get("/accounts/login/").content.decode()
    client.force_login(alice)
    assert "SIMULATED DATA" in client.get("/").content.decode()


def test_login_page_logs_in_with_the_standard_form(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-1234"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
