"""GET/PUT /api/settings: a user's own fees per exchange (beside the admin's), holding period and
minimum net spread; validated; each user only ever sees and changes their own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import ExchangeFee, TradingSettings
from accounts.trading import trading_settings

pytestmark = pytest.mark.django_db


def test_a_new_user_has_the_admin_fees_and_the_defaults(as_user, alice):
    data = as_user(alice).get("/api/settings").json()
    assert (data["holding_h"], data["min_net_spread_pct"]) == (8, None)
    assert len(data["fees"]) == 11
    assert data["fees"]["binance"] == {
        "taker_fee_pct": None,
        "maker_fee_pct": None,
        "admin_taker_fee_pct": "0.05000",
        "admin_maker_fee_pct": "0.02000",
        "effective_taker_fee_pct": "0.05000",
        "effective_maker_fee_pct": "0.02000",
    }


def test_a_user_sets_their_fees_and_defaults(as_user, alice):
    client = as_user(alice)
    body = {
        "holding_h": 24,
        "min_net_spread_pct": "0.1",
        "fees": {"binance": {"taker_fee_pct": "0.036", "maker_fee_pct": "0"}, "bybit": {"taker_fee_pct": "0.04"}},
    }
    response = client.put("/api/settings", body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["holding_h"], data["min_net_spread_pct"]) == (24, "0.100000")
    binance, bybit = data["fees"]["binance"], data["fees"]["bybit"]
    assert (binance["effective_taker_fee_pct"], binance["effective_maker_fee_pct"]) == ("0.03600", "0.00000")
    assert (bybit["taker_fee_pct"], bybit["maker_fee_pct"], bybit["effective_maker_fee_pct"]) == (
        "0.04000",
        None,
        "0.02000",
    )
    assert client.get("/api/settings").json() == data
    assert trading_settings(alice).taker_fees_pct == {"binance": Decimal("0.036"), "bybit": Decimal("0.04")}


def test_fees_given_replace_all_of_ones_own_and_fields_left_out_stay(as_user, alice):
    client = as_user(alice)
    client.put("/api/settings", {"holding_h": 4, "fees": {"okx": {"taker_fee_pct": "0.03"}}}, format="json")
    data = client.put("/api/settings", {"fees": {"binance": {"taker_fee_pct": "0.01"}}}, format="json").json()
    assert data["holding_h"] == 4
    assert data["fees"]["okx"]["taker_fee_pct"] is None
    assert data["fees"]["binance"]["taker_fee_pct"] == "0.01000"
    # Only holding_h: the fees stay.
    data = client.put("/api/settings", {"holding_h": 12}, format="json").json()
    assert (data["holding_h"], data["fees"]["binance"]["taker_fee_pct"]) == (12, "0.01000")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"fees": {"binance": {"taker_fee_pct": "1.5"}}}, "fees", "less than or equal to 1"),
        ({"fees": {"binance": {"maker_fee_pct": "-0.01"}}}, "fees", "greater than or equal to 0"),
        ({"fees": {"binance": {"taker_fee_pct": "0.123456"}}}, "fees", "decimal places"),
        ({"fees": {"binance": {"taker_fee_pct": "cheap"}}}, "fees", "valid number"),
        ({"fees": {"nasdaq": {"taker_fee_pct": "0.01"}}}, "fees", "unknown exchange 'nasdaq'"),
        ({"holding_h": 0}, "holding_h", "greater than or equal to 1"),
        ({"holding_h": 721}, "holding_h", "less than or equal to 720"),
        ({"min_net_spread_pct": "101"}, "min_net_spread_pct", "less than or equal to 100"),
    ],
)
def test_invalid_settings_are_refused_with_the_reason_and_nothing_changes(as_user, alice, body, field, message):
    client = as_user(alice)
    client.put("/api/settings", {"holding_h": 6, "fees": {"okx": {"taker_fee_pct": "0.03"}}}, format="json")
    response = client.put("/api/settings", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert TradingSettings.objects.get(user=alice).holding_h == 6
    assert list(ExchangeFee.objects.filter(user=alice).values_list("exchange", "taker_fee_pct")) == [
        ("okx", Decimal("0.03000"))
    ]


def test_each_user_sees_and_changes_only_their_own(as_user, alice, bob):
    as_user(alice).put("/api/settings", {"holding_h": 48, "fees": {"binance": {"taker_fee_pct": "0"}}}, format="json")
    bobs = as_user(bob).get("/api/settings").json()
    assert bobs["holding_h"] == 8 and bobs["fees"]["binance"]["taker_fee_pct"] is None
    as_user(bob).put("/api/settings", {"fees": {}}, format="json")
    assert ExchangeFee.objects.filter(user=alice).count() == 1
    assert trading_settings(alice).holding_h == 48


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get("/api/settings").status_code in (401, 403)
    assert api_client.put("/api/settings", {"holding_h": 2}, format="json").status_code in (401, 403)
    assert TradingSettings.objects.count() == 0


def test_the_settings_are_documented(as_user, alice):
    schema = as_user(alice).get("/api/schema/?format=json").json()
    assert set(schema["paths"]["/api/settings"]) == {"get", "put"}
    fee = schema["components"]["schemas"]["OwnFeeInputRequest"]["properties"]["taker_fee_pct"]
    assert fee["nullable"] is True
