"""The account pages: sign up, watched instruments, alert rules inline with HTMX."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AlertRule, WatchedInstrument

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_sign_up_creates_a_user_and_logs_them_in(client, settings):
    settings.SIGNUP_OPEN = True
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "c@example.com",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="carol").exists()
    assert client.get("/").status_code == 200


def test_sign_up_says_what_is_wrong(client, settings):
    settings.SIGNUP_OPEN = True
    page = client.post("/accounts/signup/", {"username": "dave", "password1": "x", "password2": "y"}).content.decode()
    assert "didn’t match" in page or "didn't match" in page
    assert not get_user_model().objects.filter(username="dave").exists()


def test_password_change_page_renders_for_a_logged_in_user(client, alice):
    client.force_login(alice)
    assert "Change password" in client.get("/accounts/password_change/").content.decode()


def test_watching_and_unwatching_instruments(client, alice):
    client.force_login(alice)
    fragment = client.post("/accounts/settings/", {"instrument": "BTC-USDT-USDT"}, headers=HTMX).content.decode()
    assert 'data-instrument="BTC/USDT:USDT"' in fragment
    watched = WatchedInstrument.objects.get(user=alice)
    client.post(f"/accounts/settings/watched/{watched.pk}/remove/", headers=HTMX)
    assert not WatchedInstrument.objects.filter(user=alice).exists()


def test_a_malformed_instrument_is_refused_with_a_message(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/settings/", {"instrument": "not a symbol!"}, headers=HTMX)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not WatchedInstrument.objects.exists()


def test_watched_instruments_come_first_on_the_prices_page(client, alice):
    from django.core.cache import cache

    from arbitrage.messages import quote_fragment
    from arbitrage.quote_cache import INDEX_KEY, quotes_key
    from arbitrage.tests.factories import make_quote

    names = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    cache.set(INDEX_KEY, names)
    for name in names:
        cache.set(quotes_key(name), {"binance": quote_fragment(make_quote(instrument=name))})
    WatchedInstrument.objects.create(user=alice, instrument="ETH/USDT:USDT")
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert page.index('data-instrument="ETH/USDT:USDT"') < page.index('data-instrument="BTC/USDT:USDT"')


RULE = {
    "name": "Big BTC gaps",
    "min_net_spread_pct": "0.3",
    "instruments": "BTC-USDT-USDT, ETH/USDT:USDT",
    "buy_exchanges": ["binance"],
    "cooldown_s": "60",
    "notify_in_app": "on",
}


def test_creating_a_rule_inline(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/alerts/", RULE, headers=HTMX)
    assert response.status_code == 200
    rule = AlertRule.objects.get(user=alice)
    assert rule.instruments == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert (rule.min_net_spread_pct, rule.buy_exchanges, rule.cooldown_s) == (Decimal("0.3"), ["binance"], 60)
    assert rule.notify_in_app and not rule.notify_email
    assert 'hx-swap-oob="true"' in response.content.decode()


@pytest.mark.parametrize(
    "field, value",
    [
        ("min_net_spread_pct", "-1"),
        ("min_net_spread_pct", "lots"),
        ("buy_exchanges", ["nowhere"]),
        ("webhook_url", "http://127.0.0.1/x"),
    ],
)
def test_a_bad_rule_is_refused_with_the_field_named(client, alice, field, value):
    client.force_login(alice)
    response = client.post("/accounts/alerts/", {**RULE, field: value}, headers=HTMX)
    assert response.status_code == 200  # HTMX swaps the form with its messages
    assert 'class="error"' in response.content.decode()
    assert not AlertRule.objects.exists()


def test_editing_pausing_and_deleting_a_rule_inline(client, alice):
    client.force_login(alice)
    client.post("/accounts/alerts/", RULE)
    rule = AlertRule.objects.get()
    assert (
        'name="min_net_spread_pct"' in client.get(f"/accounts/alerts/{rule.pk}/?edit=1", headers=HTMX).content.decode()
    )
    client.post(f"/accounts/alerts/{rule.pk}/", {**RULE, "min_net_spread_pct": "0.5"}, headers=HTMX)
    rule.refresh_from_db()
    assert rule.min_net_spread_pct == Decimal("0.5")
    assert "Resume" in client.post(f"/accounts/alerts/{rule.pk}/toggle/", headers=HTMX).content.decode()
    rule.refresh_from_db()
    assert rule.active is False
    client.post(f"/accounts/alerts/{rule.pk}/delete/", headers=HTMX)
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize("action", ["", "toggle/", "delete/"])
def test_nobody_touches_another_users_rule(client, alice, bob, action):
    client.force_login(alice)
    client.post("/accounts/alerts/", RULE)
    rule = AlertRule.objects.get()
    client.force_login(bob)
    assert client.post(f"/accounts/alerts/{rule.pk}/{action}", {**RULE, "name": "mine now"}).status_code == 404
    assert client.get(f"/accounts/alerts/{rule.pk}/?edit=1").status_code == 404
    unchanged = AlertRule.objects.get()
    assert (unchanged.name, unchanged.active, unchanged.user) == ("Big BTC gaps", True, alice)
    assert "Big BTC gaps" not in client.get("/accounts/alerts/").content.decode()


def test_a_rule_on_funding_adjusted_edge_from_the_form(client, alice):
    client.force_login(alice)
    client.post("/accounts/alerts/", {**RULE, "min_edge_pct": "0.4"}, headers=HTMX)
    rule = AlertRule.objects.get(user=alice)
    assert rule.min_edge_pct == Decimal("0.4")
    page = client.get("/accounts/alerts/").content.decode()
    assert "edge after 8 h funding ≥ 0.4 %" in page
    assert (
        'name="min_edge_pct" inputmode="decimal" value="0.4"'
        in client.get(f"/accounts/alerts/{rule.pk}/?edit=1", headers=HTMX).content.decode()
    )


def test_a_rule_on_depth_from_the_form_and_its_figures_shown_as_typed(client, alice):
    client.force_login(alice)
    posted = {**RULE, "min_net_spread_pct": "0", "min_depth_size_base": "0.25", "min_depth_profit_quote": "100"}
    client.post("/accounts/alerts/", posted, headers=HTMX)
    rule = AlertRule.objects.get(user=alice)
    assert (rule.min_depth_size_base, rule.min_depth_profit_quote) == (Decimal("0.25"), Decimal("100"))
    page = client.get("/accounts/alerts/").content.decode()
    assert "Net spread ≥ 0 %, depth size ≥ 0.25, depth profit ≥ 100" in page
    form = client.get(f"/accounts/alerts/{rule.pk}/?edit=1", headers=HTMX).content.decode()
    # A zero and a round hundred come back as typed: not empty (a required field), not "1E+2".
    assert 'name="min_net_spread_pct" inputmode="decimal" required value="0"' in form
    assert 'name="min_depth_profit_quote" inputmode="decimal" value="100"' in form
