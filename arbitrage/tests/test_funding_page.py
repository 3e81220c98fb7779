"""The Funding page: pairs ranked by funding per day, each leg's rate, interval and countdown,
the entry and the edge over the holding period asked for."""

from __future__ import annotations

import re

import pytest

from arbitrage.tests.api_market import fund_market
from lib import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, alice, monkeypatch):
    now_ms = fund_market()
    # The countdowns count from the moment the records were written: exact, not "about 2 h".
    monkeypatch.setattr(clock, "now_ms", lambda: now_ms)
    client.force_login(alice)

    def get(query: str = "") -> str:
        response = client.get(f"/funding/{query}")
        assert response.status_code == 200
        return response.content.decode()

    return get


def _rows(html: str) -> list[list[str]]:
    rows = re.findall(r'<tr class="funding-pair">(.*?)</tr>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_pairs_ranked_by_funding_per_day_with_each_leg_entry_and_edge(page):
    html = page()
    assert "2 pairs earning funding · held 8 h" in html
    # The money first, next to the market (on a phone too): market, per day, edge, entry,
    # funding, a year; then long (rate, every, next in) and short.
    assert _rows(html) == [
        [
            "BTC/USD",
            "0.1500 %", "0.9495 %", "0.8995 %", "0.0500 %", "54.75 %",
            "binance BTC/USDT:USDT", "0.0100 %", "8 h", "2 h 0 min",
            "bybit BTC/USDT:USDT", "0.0300 %", "4 h", "1 h 0 min",
        ],
        [
            "BTC/USD",
            "0.1500 %", "—", "not quoted", "0.0500 %", "54.75 %",
            "okx BTC/USDT:USDT", "0.0100 %", "8 h", "3 h 0 min",
            "bybit BTC/USDT:USDT", "0.0300 %", "4 h", "1 h 0 min",
        ],
    ]  # fmt: skip


def test_the_holding_period_counts_more_events_not_a_higher_rate(page):
    [best, _] = _rows(page("?hours=24"))
    # Long binance pays 3 × 0.01 %, short bybit earns 6 × 0.03 %: 0.15 %, on the 0.8995 % entry.
    assert best[1:6] == ["0.1500 %", "1.0495 %", "0.8995 %", "0.1500 %", "54.75 %"]
    assert 'name="hours" min="1" max="720" value="24"' in page("?hours=24")


def test_a_holding_period_out_of_bounds_is_refused_and_the_default_shown(page):
    html = page("?hours=721")
    assert "held 8 h" in html and "Ensure this value is less than or equal to 720" in html
    assert "held 8 h" in page("?hours=0")


def test_the_page_needs_a_login_and_is_in_the_nav(client, page):
    assert 'href="/funding/" aria-current="page">Funding</a>' in page()
    client.logout()
    response = client.get("/funding/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_filters_narrow_and_rank_the_pairs(page):
    # The okx pair's entry is not quoted: it has no edge.
    assert [row[6] for row in _rows(page("?positive_edge=on"))] == ["binance BTC/USDT:USDT"]
    assert [row[6] for row in _rows(page("?exchanges=okx"))] == ["okx BTC/USDT:USDT"]
    assert _rows(page("?q=eth")) == [] and len(_rows(page("?q=btc"))) == 2
    assert _rows(page("?min_daily_pct=0.2")) == []
    by_edge = page("?sort=edge")
    assert [row[6] for row in _rows(by_edge)] == ["binance BTC/USDT:USDT", "okx BTC/USDT:USDT"]
    assert '<option value="edge" selected>' in by_edge


def test_with_every_perpetual_watched_the_best_hundred_are_shown_and_the_rest_counted(page, monkeypatch):
    from arbitrage import views

    monkeypatch.setattr(views, "FUNDING_ROWS", 1)
    html = page()
    assert "2 pairs earning funding · held 8 h · the best 1 shown: narrow with the filters above" in html
    assert len(_rows(html)) == 1
