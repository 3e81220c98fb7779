"""The Settings page's fees and defaults: each exchange's fees beside the admin's default, saved
over HTMX with the API's validation, and only ever the user's own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import ExchangeFee
from accounts.trading import save_trading_settings, trading_settings

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _form(**changes) -> dict:
    return {"holding_h": "8", "min_net_spread_pct": "", **changes}


def test_the_page_shows_every_exchange_with_its_default(client, alice):
    save_trading_settings(alice, holding_h=12, fees={"bybit": {"taker_fee_pct": "0.036"}})
    client.force_login(alice)
    page = client.get("/accounts/settings/").content.decode()
    assert 'id="trading-settings"' in page and 'name="viewport"' in page
    assert page.count('<tr data-exchange="') == 11
    assert 'name="taker_bybit" value="0.036" placeholder="0.055"' in page
    assert 'name="taker_binance" value="" placeholder="0.05"' in page and "default 0.02" in page
    assert 'name="holding_h" min="1" max="720" step="1" inputmode="numeric" value="12"' in page
    assert 'aria-current="page">Settings' in page


def test_saving_fees_and_defaults_over_htmx(client, alice):
    client.force_login(alice)
    form = _form(holding_h="24", min_net_spread_pct="0.1", taker_binance="0.02", maker_binance="0", taker_okx=" ")
    response = client.post("/accounts/settings/trading/", form, headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "Saved." in fragment and 'name="taker_binance" value="0.02"' in fragment
    assert "<html" not in fragment
    own = trading_settings(alice)
    assert (own.holding_h, own.min_net_spread_pct) == (24, Decimal("0.1"))
    assert (own.taker_fees_pct, own.maker_fees_pct) == ({"binance": Decimal("0.02")}, {"binance": Decimal("0")})
    # Emptied again: the admin's default.
    client.post("/accounts/settings/trading/", _form(), headers=HTMX)
    assert not ExchangeFee.objects.filter(user=alice).exists()


def test_a_bad_fee_is_refused_beside_its_field_and_nothing_changes(client, alice):
    save_trading_settings(alice, fees={"okx": {"taker_fee_pct": "0.03"}})
    client.force_login(alice)
    response = client.post("/accounts/settings/trading/", _form(taker_binance="1.5", taker_okx="0.01"), headers=HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200  # HTMX swaps only 2xx answers in
    assert "Not saved" in fragment and "less than or equal to 1" in fragment
    assert 'name="taker_binance" value="1.5"' in fragment  # what was typed stays
    assert trading_settings(alice).taker_fees_pct == {"okx": Decimal("0.03")}
    response = client.post("/accounts/settings/trading/", _form(holding_h="0"))
    assert response.status_code == 400 and "greater than or equal to 1" in response.content.decode()


def test_without_htmx_saving_redirects_to_the_page(client, alice, bob):
    client.force_login(alice)
    response = client.post("/accounts/settings/trading/", _form(taker_gateio="0.04"))
    assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
    assert trading_settings(bob).taker_fees_pct == {}
    assert trading_settings(alice).taker_fees_pct == {"gateio": Decimal("0.04")}


def test_logged_out_visitors_are_sent_to_log_in(client):
    response = client.post("/accounts/settings/trading/", _form(taker_gateio="0.04"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ExchangeFee.objects.exists()


def test_admin_shows_a_users_own_fees(client, admin, alice):
    save_trading_settings(alice, fees={"kucoin": {"taker_fee_pct": "0.045"}})
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert "kucoin" in page and "0.04500" in page


def test_a_minimum_of_ten_percent_shows_as_typed(client, alice):
    save_trading_settings(alice, min_net_spread_pct="10")
    client.force_login(alice)
    assert (
        'name="min_net_spread_pct" inputmode="decimal" value="10"' in client.get("/accounts/settings/").content.decode()
    )
