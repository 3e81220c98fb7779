import json
import re

import pytest
from django.core.cache import cache

from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import INDEX_KEY, quotes_key
from arbitrage.tests.factories import cache_opportunity, make_quote
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
    assert '<span class="bid">43,250.1</span>' in page  # no listing yet: the quote's own digits
    assert "SIMULATED DATA" not in page


def test_with_every_perpetual_watched_the_prices_page_shows_the_majors_and_the_users_own(client, alice, settings):
    from accounts.services import watch_instrument

    settings.DEFAULT_WATCHED_INSTRUMENTS = ["*"]
    quoted = ["BTC/USDT:USDT", "QWRTY/USDT:USDT", "ZXCV/USDT:USDT"]
    cache.set(INDEX_KEY, quoted)
    for instrument in quoted:
        cache.set(quotes_key(instrument), {"binance": quote_fragment(make_quote(instrument=instrument))})
    watch_instrument(alice, "ZXCV/USDT:USDT")
    client.force_login(alice)
    page = client.get("/").content.decode()
    rows = set(re.findall(r'<tr data-instrument="([^"]+)"', page))
    assert rows == {"BTC/USDT:USDT", "ZXCV/USDT:USDT"}  # the long tail's other coins: not rendered
    [subscribed] = re.findall(r'data-instruments="([^"]*)"', page)
    assert set(subscribed.split(",")) == set(settings.MAJOR_INSTRUMENTS) | {"ZXCV/USDT:USDT"}

    settings.DEFAULT_WATCHED_INSTRUMENTS = ["QWRTY/USDT:USDT"]  # a list named: that list
    page = client.get("/").content.decode()
    assert set(re.findall(r'<tr data-instrument="([^"]+)"', page)) == {"QWRTY/USDT:USDT", "ZXCV/USDT:USDT"}


def test_prices_page_gives_each_exchange_column_its_max_quote_age(client, alice):
    from feeds.models import Exchange

    Exchange.objects.filter(id="okx").update(max_quote_age_ms=1234)
    ts_ms = 1_700_000_000_000
    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(ts_ms=ts_ms))})
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert 'data-exchange="okx" data-max-quote-age-ms="1234"' in page
    assert 'data-exchange="binance" data-max-quote-age-ms="5000"' in page
    assert f'data-ts="{ts_ms}"' in page  # the page ages quotes from the exchange time


def test_every_page_says_when_data_is_simulated(client, alice):
    cache.set(SIMULATED_KEY, True)
    assert "SIMULATED DATA" in client.get("/accounts/login/").content.decode()
    client.force_login(alice)
    assert "SIMULATED DATA" in client.get("/").content.decode()


def test_login_page_logs_in_with_the_standard_form(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-1234"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_opportunities_page_ranks_and_filters(client, alice):
    cache_opportunity()
    cache_opportunity(id="def", net_spread_pct="0.100000", buy_exchange="okx")
    client.force_login(alice)
    page = client.get("/opportunities/").content.decode()
    assert page.index('data-id="abc"') < page.index('data-id="def"')
    filtered = client.get("/opportunities/", {"min_net_spread_pct": "0.5"}).content.decode()
    assert 'data-id="abc"' in filtered and 'data-id="def"' not in filtered
    by_exchange = client.get("/opportunities/", {"exchanges": "binance"}, headers={"HX-Request": "true"})
    fragment = by_exchange.content.decode()
    assert 'data-id="abc"' in fragment and 'data-id="def"' not in fragment
    assert "<html" not in fragment  # HTMX gets the table alone


def test_bad_filter_input_is_shown_not_crashed_on(client, alice):
    client.force_login(alice)
    response = client.get("/opportunities/", {"min_net_spread_pct": "lots"})
    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()


def test_instrument_page_shows_quotes_history_and_chart(client, alice):
    from arbitrage.quote_cache import spread_history_key

    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(bid="43250.1", ask="43250.2"))})
    pairs = [(2, {"binance → bybit": 0.05, "okx → bybit": -0.2}), (3, {"binance → bybit": 0.02})]
    cache.set(spread_history_key("BTC/USD"), {"best": [(1, -0.1), (2, 0.05), (3, 0.02)], "pairs": pairs})
    client.force_login(alice)
    page = client.get("/instruments/BTC/USDT:USDT/").content.decode()
    assert "43,250.1" in page
    # The chart's points, seconds and %, for the vendored uPlot (served from static/, no CDN).
    embedded = json.loads(
        page.split('<script id="spread-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert embedded["points"] == [[0.001, -0.1], [0.002, 0.05], [0.003, 0.02]]
    assert "/static/vendor/uplot/uPlot.min.css" in page
    chart = client.get("/instruments/BTC/USDT:USDT/", {"part": "chart"}).json()
    assert chart["points"] == [[0.001, -0.1], [0.002, 0.05], [0.003, 0.02]]
    # Each of the best pairs, where it was among them.
    assert chart["pairs"] == {
        "labels": ["binance → bybit", "okx → bybit"],
        "points": [[0.002, 0.05, -0.2], [0.003, 0.02, None]],
    }
    assert chart["funding"] == []  # no funding record yet


def test_instrument_chart_reads_a_history_the_previous_engine_wrote(client, alice):
    from arbitrage.quote_cache import spread_history_key

    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(bid="43250.1", ask="43250.2"))})
    cache.set(spread_history_key("BTC/USD"), [(1, -0.1), (2, 0.05)])  # the best only, as a list
    client.force_login(alice)
    chart = client.get("/instruments/BTC/USDT:USDT/", {"part": "chart"}).json()
    assert chart["points"] == [[0.001, -0.1], [0.002, 0.05]]
    assert chart["pairs"] == {"labels": [], "points": []}


def test_instrument_chart_carries_each_exchanges_funding_of_it(client, alice):
    from decimal import Decimal

    from arbitrage.quote_cache import FUNDING_INDEX_KEY, encode_funding_row, funding_key
    from feeds.funding import Funding

    def row(*records):
        return {record.exchange: encode_funding_row(record) for record in records}

    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(bid="43250.1", ask="43250.2"))})
    cache.set(FUNDING_INDEX_KEY, ["BTC/USDT:USDT", "BTC/USD:BTC"])
    binance = Funding("binance", "BTCUSDT", "BTC/USDT:USDT", Decimal("0.0001"), 8, 9_000_000, 1_000)
    bybit = Funding("bybit", "BTCUSDT", "BTC/USDT:USDT", Decimal("-0.00002"), 1, 9_000_000, 2_000)
    inverse = Funding("deribit", "BTC-PERPETUAL", "BTC/USD:BTC", Decimal("0.0003"), 8, 9_000_000, 1_000)
    cache.set(funding_key("BTC/USDT:USDT"), row(binance, bybit))
    cache.set(funding_key("BTC/USD:BTC"), row(inverse))
    client.force_login(alice)

    chart = client.get("/instruments/BTC/USDT:USDT/", {"part": "chart"}).json()
    # This instrument's only, in %/day: 0.01 % × 3 events, −0.002 % × 24; stated at 1 s and 2 s.
    assert [(s["exchange"], s["daily_pct"], s["ts"]) for s in chart["funding"]] == [
        ("binance", 0.03, 1.0),
        ("bybit", -0.048, 2.0),
    ]
    assert chart["now"] > 0
    page = client.get("/instruments/BTC/USDT:USDT/").content.decode()
    embedded = page.split('<script id="spread-chart-data" type="application/json">')[1].split("</script>")[0]
    assert '"exchange": "bybit"' in embedded and "deribit" not in embedded


def test_unknown_instrument_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get("/instruments/NOPE/USDT:USDT/").status_code == 404


def test_feed_status_page_lists_every_exchange_with_its_state(client, alice):
    from feeds.exchanges import CONNECTORS
    from feeds.status import FeedStatus, status_key

    status = FeedStatus("binance", state="connected")
    status.reconnects = 2
    cache.set(status_key("binance"), status.snapshot())
    client.force_login(alice)
    page = client.get("/feeds/").content.decode()
    assert 'data-exchange="binance" data-state="connected"' in page
    for exchange_id in CONNECTORS:
        assert f'data-exchange="{exchange_id}"' in page
    fragment = client.get("/feeds/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.strip().startswith('<div id="feed-status"')


@pytest.mark.parametrize("url", ["/", "/opportunities/", "/feeds/", "/instruments/BTC/USDT:USDT/"])
def test_every_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
