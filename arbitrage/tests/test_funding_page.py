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
    # market, long, rate, every, next in, short, rate, every, next in, per day, a year, entry, funding, edge
    assert _rows(html) == [
        [
            "BTC/USD",
            "binance BTC/USDT:USDT", "0.0100 %", "8 h", "2 h 0 min",
            "bybit BTC/USDT:USDT", "0.0300 %", "4 h", "1 h 0 min",
            "0.1500 %", "54.75 %", "0.8995 %", "0.0500 %", "0.9495 %",
        ],
        [
            "BTC/USD",
            "okx BTC/USDT:USDT", "0.0100 %", "8 h", "3 h 0 min",
            "bybit BTC/USDT:USDT", "0.0300 %", "4 h", "1 h 0 min",
            "0.1500 %", "54.75 %", "not quoted", "0.0500 %", "—",
        ],
    ]  # fmt: skip


def test_the_holding_period_counts_more_events_not_a_higher_rate(page):
    [best, _] = _rows(page("?hours=24"))
    # Long binance pays 3 × 0.01 %, short bybit earns 6 × 0.03 %: 0.15 %, on the 0.8995 % entry.
    assert best[9:] == ["0.1500 %", "54.75 %", "0.8995 %", "0.1500 %", "1.0495 %"]
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
