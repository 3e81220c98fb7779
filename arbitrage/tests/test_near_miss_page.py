"""The Opportunities page's near-miss view: off by default, on with its toggle, the same
filters, refreshed on its own (a fragment of the same page)."""

from __future__ import annotations

import pytest

from arbitrage.tests.api_market import quote_close_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, alice):
    client.force_login(alice)
    quote_close_market()
    return client


def test_off_by_default(page):
    html = page.get("/opportunities/").content.decode()
    assert 'id="near-misses"' in html
    assert "<h2>Near misses</h2>" not in html
    assert 'name="near_misses"' in html  # the toggle


def test_the_toggle_lists_pairs_within_the_distance(page):
    html = page.get("/opportunities/?near_misses=on&near_miss_bps=20").content.decode()
    assert "<h2>Near misses</h2>" in html
    assert "1 pair within 20 bps of breaking even" in html
    assert '<td class="to-break-even">15.00 bps</td>' in html
    assert '<td class="net">-0.150 % <small>-15.0 bps</small></td>' in html
    assert 'hx-trigger="every 2s, change from:#opportunity-filters"' in html
    # An empty distance takes the default (10 bps): nothing is that close here.
    html = page.get("/opportunities/?near_misses=on&near_miss_bps=").content.decode()
    assert "No pair is that close to breaking even now." in html


def test_the_fragment_and_the_filters(page):
    fragment = page.get(
        "/opportunities/?part=near-misses&near_misses=on&near_miss_bps=30", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<section class="card near-misses" id="near-misses"')
    assert fragment.count('class="to-break-even"') == 2
    narrowed = page.get(
        "/opportunities/?part=near-misses&near_misses=on&near_miss_bps=30&min_size_base=1.5", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'class="to-break-even"' not in narrowed
