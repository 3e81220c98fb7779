"""The pages a trader reads: numbers written one way, one group per market event, an
instrument page of its own instrument, the admin named and marked simulated."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from arbitrage.messages import quote_fragment
from arbitrage.quote_cache import INDEX_KEY, quotes_key
from arbitrage.tests.factories import cache_opportunity, list_instrument, make_quote, recorded_life
from feeds.status import SIMULATED_KEY
from lib import clock

pytestmark = pytest.mark.django_db


def test_prices_show_the_instrument_tick_and_thousands_separators(client, alice):
    list_instrument("binance", "BTC/USDT:USDT", "0.10")
    list_instrument("okx", "BTC/USDT:USDT", "0.01")  # the finer tick wins: no exchange loses a digit
    cache.set(INDEX_KEY, ["BTC/USDT:USDT"])
    cache.set(quotes_key("BTC/USDT:USDT"), {"binance": quote_fragment(make_quote(bid="43250.1", ask="43250.2"))})
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert '<span class="bid">43,250.10</span><span class="ask">43,250.20</span>' in page
    assert '"instruments": {"BTC/USDT:USDT": 2}' in page  # for static/js/format.js


def test_opportunities_are_one_group_per_market_event_expandable_into_its_pairs(client, alice):
    opened_ms = clock.now_ms() - 75_000
    cache_opportunity(id="a", net_spread_pct="0.894450", opened_ms=opened_ms)
    cache_opportunity(id="b", net_spread_pct="0.300000", buy_exchange="okx", opened_ms=opened_ms + 5_000)
    cache_opportunity(
        id="c",
        group="ETH/USD",
        buy_instrument="ETH/USDT:USDT",
        sell_instrument="ETH/USDT:USDT",
        net_spread_pct="0.500000",
        buy_price="2316.640000000000",
        size_base="12.3456789012345678901234567",
        profit_quote="157.5234",
        opened_ms=opened_ms,
    )
    client.force_login(alice)
    page = client.get("/opportunities/").content.decode()
    groups = re.findall(r'<tbody class="group" data-group="([^"]+)">', page)
    assert groups == ["BTC/USD", "ETH/USD"]  # best pair first
    btc = page[page.index('data-group="BTC/USD"') : page.index('data-group="ETH/USD"')]
    assert "2 pairs" in btc
    assert btc.count('class="pair"') == 2 and btc.count('class="group-head"') == 1
    assert re.search(r'<tr class="pair" data-id="b"[^>]*hidden>', btc)  # until expanded
    eth = page[page.index('data-group="ETH/USD"') :]
    shown = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # the JSON the script starts from is exact
    assert "2,316.64" in eth and "2316.640000000000" not in shown
    assert "12.35 ETH" in eth and "12.3456789" not in shown
    assert "157.52 USDT" in eth
    assert "0.500 %" in eth and "50.0 bps" in eth
    # "Open for" is written by the server, never left for the script to fill in.
    assert re.search(r'<td class="open-for">1 min 1\d s</td>', btc)
    assert '<td class="open-for"></td>' not in page


def test_min_profit_and_min_size_filters(client, alice):
    cache_opportunity(id="small", size_base="0.01", profit_quote="0.5")
    cache_opportunity(id="big", size_base="3", profit_quote="40")
    client.force_login(alice)
    by_profit = client.get("/opportunities/", {"min_profit_quote": "10"}).content.decode()
    assert 'data-id="big"' in by_profit and 'data-id="small"' not in by_profit
    assert 'data-min-profit="10"' in by_profit  # live rows are narrowed the same way
    by_size = client.get("/opportunities/", {"min_size_base": "0.5"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-id="big"' in by_size and 'data-id="small"' not in by_size
    assert 'data-min-size="0.5"' in by_size


def test_instrument_page_has_a_column_for_every_exchange_listing_it_and_only_its_instrument(client, alice):
    list_instrument("binance", "BTC/USD:BTC", "0.1")
    list_instrument("deribit", "BTC/USD:BTC", "0.5")  # listed, no quote yet
    cache.set(INDEX_KEY, ["BTC/USD:BTC", "ETH/USDT:USDT"])
    cache.set(quotes_key("BTC/USD:BTC"), {"binance": quote_fragment(make_quote(instrument="BTC/USD:BTC"))})
    cache.set(quotes_key("ETH/USDT:USDT"), {"binance": quote_fragment(make_quote(instrument="ETH/USDT:USDT"))})
    client.force_login(alice)
    page = client.get("/instruments/BTC/USD:BTC/").content.decode()
    headers = re.findall(r'<th data-exchange="(\w+)"', page)
    assert headers == ["binance", "deribit"]
    assert re.findall(r'<tr data-instrument="([^"]+)"', page) == ["BTC/USD:BTC"]
    assert 'data-instruments="BTC/USD:BTC"' in page  # what the page subscribes to over /ws


def test_instrument_history_humanises_durations_and_shows_profit(client, alice):
    now = timezone.now()
    recorded_life(
        opened_at=now - timedelta(seconds=200),
        closed_at=now,
        last_seen_at=now,
        duration_ms=192_000,
        peak_size_base=Decimal("0.123456789012"),
        peak_profit_quote=Decimal("12.345678901234"),
        peak_buy_price=Decimal("43250.100000000000"),
        peak_sell_price=Decimal("43350.200000000000"),
    )
    list_instrument("binance", "BTC/USDT:USDT", "0.1")
    client.force_login(alice)
    page = client.get("/instruments/BTC/USDT:USDT/").content.decode()
    assert '<td class="lasted">3 min 12 s</td>' in page
    assert re.search(r'<td class="profit">12\.35 USDT <small class="tag muted"[^>]*>top of book</small></td>', page)
    assert "0.1235 BTC" in page and "43,250.1" in page
    assert "43250.100000000000" not in page
    # The card reloads itself as opportunities open and close: the same rows, the card alone.
    assert 'hx-trigger="history-changed from:body, every 30s"' in page
    part = client.get("/instruments/BTC/USDT:USDT/", {"part": "history"}, headers={"HX-Request": "true"})
    fragment = part.content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="instrument-history"')
    assert '<td class="lasted">3 min 12 s</td>' in fragment and "<html" not in fragment


def test_instrument_history_shows_a_lifes_best_depth_walk_where_its_books_were_known(client, alice):
    recorded_life(
        peak_size_base=Decimal("34"),
        peak_profit_quote=Decimal("570"),
        depth_size_base=Decimal("1.5"),
        depth_profit_quote=Decimal("159.362"),
    )
    list_instrument("binance", "BTC/USDT:USDT", "0.1")
    client.force_login(alice)
    page = client.get("/instruments/BTC/USDT:USDT/").content.decode()
    assert '<td class="profit">159.36 USDT</td><td class="size">1.5 BTC</td>' in page
    assert "570" not in page.split('id="instrument-history"')[1]


def test_admin_carries_the_site_name_and_the_simulated_banner(client, admin):
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "Arbsite administration" in page and "Django administration" not in page
    assert "SIMULATED DATA" not in page
    cache.set(SIMULATED_KEY, True)
    page = client.get("/admin/feeds/exchange/").content.decode()
    assert "SIMULATED DATA" in page
    client.logout()
    assert "Arbsite administration" in client.get("/admin/login/").content.decode()


DEPTH = {
    "size_base": "1.5",
    "avg_buy_price": "43017.333333333333",
    "avg_sell_price": "43166.666666666667",
    "buy_slippage_pct": "0.037983",
    "sell_slippage_pct": "0.077160",
    "net_spread_pct": "0.247044",
    "profit_quote": "159.36200000",
    "books_exhausted": True,
}


def test_the_table_shows_the_depth_walks_size_and_profit_and_labels_the_top_of_books(client, alice):
    cache_opportunity(
        id="walked", size_base="34", profit_quote="570", depth=DEPTH, buy_price="43001", sell_price="43200"
    )
    cache_opportunity(id="unknown", group="ETH/USD", buy_instrument="ETH/USDT:USDT", sell_instrument="ETH/USDT:USDT")
    client.force_login(alice)
    page = client.get("/opportunities/").content.decode()

    walked = re.search(r'<tr class="group-head" data-id="walked".*?</tr>', page, re.S).group(0)
    assert re.search(r'<td class="profit">159\.36 USDT</td>', walked)
    assert re.search(
        r'<td class="size"[^>]*>1\.5 BTC<span class="more"[^>]*>\+</span> '
        r'<small class="slippage">slip 0\.038 % / 0\.077 %</small>',
        walked,
    )
    assert "average buy 43,017.33" in walked and "570" not in walked and "top of book" not in walked
    unknown = re.search(r'<tr class="group-head" data-id="unknown".*?</tr>', page, re.S).group(0)
    assert re.search(
        r'<td class="profit top-of-book">0\.45 USDT <small class="tag muted"[^>]*>top of book</small></td>', unknown
    )


def test_min_profit_and_min_size_filter_on_the_depth_walk_where_it_is_known(client, alice):
    # Top of book says 34 coins for 570: walking the books says 1.5 for 159.36.
    cache_opportunity(id="walked", size_base="34", profit_quote="570", depth=DEPTH)
    client.force_login(alice)
    assert 'data-id="walked"' not in client.get("/opportunities/", {"min_profit_quote": "200"}).content.decode()
    assert 'data-id="walked"' in client.get("/opportunities/", {"min_profit_quote": "150"}).content.decode()
    assert 'data-id="walked"' not in client.get("/opportunities/", {"min_size_base": "2"}).content.decode()
