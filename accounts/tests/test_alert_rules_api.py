"""Alert rules through the API: each user's own, validated with clear messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AlertRule
from feeds.models import Instrument

pytestmark = pytest.mark.django_db

PUBLIC_HOOK = "https://93.184.215.14/hook"


@pytest.fixture
def btc_listed():
    Instrument.objects.create(
        exchange="okx",
        symbol="BTC-USDT-SWAP",
        instrument="BTC/USDT:USDT",
        base="BTC",
        quote="USDT",
        settle="USDT",
        linear=True,
        contract_size=1,
        tick_size="0.1",
    )


def make_rule(user, **fields) -> AlertRule:
    return AlertRule.objects.create(user=user, name=fields.pop("name", "mine"), min_net_spread_pct="0.5", **fields)


def test_create_with_the_required_fields_gets_defaults_and_a_secret(as_user, alice):
    response = as_user(alice).post("/api/alerts/rules", {"name": "any gap", "min_net_spread_pct": "0.3"}, format="json")
    assert response.status_code == 201
    rule = response.json()
    assert rule["min_net_spread_pct"] == "0.300000"
    assert (rule["instruments"], rule["buy_exchanges"], rule["webhook_url"]) == ([], [], None)
    assert rule["notify_in_app"] is True and rule["active"] is True
    assert len(rule["webhook_secret"]) >= 40
    assert AlertRule.objects.get(pk=rule["id"]).user == alice


def test_symbols_in_any_form_are_stored_canonical_and_exchanges_are_checked(as_user, alice, btc_listed):
    body = {
        "name": "btc",
        "min_net_spread_pct": 0.25,
        "instruments": ["BTC-USDT-SWAP", "BTC/USDT:USDT", "ETH/USDC:USDC"],
        "buy_exchanges": ["Binance", "okx"],
        "sell_exchanges": [],
        "min_size_base": "0.5",
        "max_quote_age_ms": 2000,
        "webhook_url": PUBLIC_HOOK,
    }
    rule = as_user(alice).post("/api/alerts/rules", body, format="json").json()
    assert rule["instruments"] == ["BTC/USDT:USDT", "ETH/USDC:USDC"]
    assert rule["buy_exchanges"] == ["binance", "okx"]
    assert rule["webhook_url"] == PUBLIC_HOOK


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_net_spread_pct", "-1", "greater than or equal to 0"),
        ("min_net_spread_pct", "250", "less than or equal to 100"),
        ("instruments", ["not a symbol"], "unknown symbol"),
        ("buy_exchanges", ["nasdaq"], "unknown exchange 'nasdaq'; known: binance"),
        ("min_size_base", "-0.1", "greater than or equal to 0"),
        ("cooldown_s", -5, "greater than or equal to 0"),
        ("max_quote_age_ms", 0, "greater than or equal to 1"),
        ("webhook_url", "http://127.0.0.1:8000/admin", "loopback"),
        ("webhook_url", "http://169.254.169.254/latest/meta-data", "link-local"),
        ("webhook_url", "ftp://93.184.215.14/x", "only http"),
    ],
)
def test_invalid_fields_are_refused_with_a_clear_message(as_user, alice, field, value, message):
    body = {"name": "r", "min_net_spread_pct": "0.5", field: value}
    response = as_user(alice).post("/api/alerts/rules", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not AlertRule.objects.exists()


def test_list_is_paged_and_holds_only_my_rules(as_user, alice, bob):
    for index in range(3):
        make_rule(alice, name=f"a{index}")
    make_rule(bob, name="bob's")
    page = as_user(alice).get("/api/alerts/rules?limit=2").json()
    assert page["count"] == 3
    assert [rule["name"] for rule in page["results"]] == ["a0", "a1"]
    assert page["next"].endswith("limit=2&offset=2")
    assert [rule["name"] for rule in as_user(alice).get(page["next"]).json()["results"]] == ["a2"]


def test_patch_changes_only_the_given_fields(as_user, alice):
    rule = make_rule(alice, instruments=["BTC/USDT:USDT"])
    response = as_user(alice).patch(f"/api/alerts/rules/{rule.pk}", {"active": False, "cooldown_s": 60}, format="json")
    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.active, rule.cooldown_s, rule.instruments, rule.name) == (False, 60, ["BTC/USDT:USDT"], "mine")


def test_delete_keeps_no_rule(as_user, alice):
    rule = make_rule(alice)
    assert as_user(alice).delete(f"/api/alerts/rules/{rule.pk}").status_code == 204
    assert not AlertRule.objects.exists()


def test_rotating_the_secret_changes_it(as_user, alice):
    rule = make_rule(alice)
    response = as_user(alice).post(f"/api/alerts/rules/{rule.pk}/rotate-secret")
    assert response.status_code == 200
    rule.refresh_from_db()
    assert response.json()["webhook_secret"] == rule.webhook_secret


# --- another user's rules: invisible and untouchable -----------------------------------------
def test_bob_cannot_see_alices_rules(as_user, alice, bob):
    rule = make_rule(alice)
    assert as_user(bob).get("/api/alerts/rules").json()["count"] == 0
    response = as_user(bob).get(f"/api/alerts/rules/{rule.pk}")
    assert response.status_code == 404
    assert rule.webhook_secret not in response.content.decode()


def test_bob_cannot_change_alices_rule(as_user, alice, bob):
    rule = make_rule(alice)
    before = AlertRule.objects.values().get(pk=rule.pk)
    response = as_user(bob).patch(
        f"/api/alerts/rules/{rule.pk}", {"min_net_spread_pct": "0", "active": False}, format="json"
    )
    assert response.status_code == 404
    assert AlertRule.objects.values().get(pk=rule.pk) == before


def test_bob_cannot_delete_alices_rule_or_rotate_its_secret(as_user, alice, bob):
    rule = make_rule(alice)
    before = AlertRule.objects.values().get(pk=rule.pk)
    assert as_user(bob).delete(f"/api/alerts/rules/{rule.pk}").status_code == 404
    assert as_user(bob).post(f"/api/alerts/rules/{rule.pk}/rotate-secret").status_code == 404
    assert AlertRule.objects.values().get(pk=rule.pk) == before


def test_a_rule_created_by_bob_is_bobs_whatever_the_body_says(as_user, alice, bob):
    response = as_user(bob).post(
        "/api/alerts/rules", {"name": "x", "min_net_spread_pct": "1", "user": alice.pk}, format="json"
    )
    assert AlertRule.objects.get(pk=response.json()["id"]).user == bob


def test_anonymous_callers_get_nothing(api_client, alice):
    rule = make_rule(alice)
    assert api_client.get("/api/alerts/rules").status_code == 401
    assert api_client.patch(f"/api/alerts/rules/{rule.pk}", {"active": False}, format="json").status_code == 401
    assert AlertRule.objects.get(pk=rule.pk).active is True


def test_ids_that_are_not_numbers_name_nothing(as_user, alice):
    assert as_user(alice).get("/api/alerts/rules/abc").status_code == 404
    assert as_user(alice).get("/api/alerts/rules/99999999999999999999999").status_code == 404


def test_a_rule_on_funding_adjusted_edge_is_stored_and_matched_on_it(as_user, alice):
    from arbitrage.alerting import rule_spec

    body = {"name": "edge", "min_net_spread_pct": "0.1", "min_edge_pct": "0.25"}
    rule = as_user(alice).post("/api/alerts/rules", body, format="json").json()
    assert rule["min_edge_pct"] == "0.25000000"
    assert rule_spec(AlertRule.objects.get(pk=rule["id"])).min_edge_pct == Decimal("0.25")
    cleared = as_user(alice).patch(f"/api/alerts/rules/{rule['id']}", {"min_edge_pct": None}, format="json").json()
    assert cleared["min_edge_pct"] is None
    refused = as_user(alice).post("/api/alerts/rules", {**body, "min_edge_pct": "101"}, format="json")
    assert refused.status_code == 400 and "min_edge_pct" in refused.json()
    assert AlertRule.objects.count() == 1


def test_a_rule_on_depth_is_stored_and_matched_on_it(as_user, alice):
    from arbitrage.alerting import rule_spec

    body = {"name": "deep", "min_net_spread_pct": "0.1", "min_depth_size_base": "0.5", "min_depth_profit_quote": "25"}
    rule = as_user(alice).post("/api/alerts/rules", body, format="json").json()
    assert (rule["min_depth_size_base"], rule["min_depth_profit_quote"]) == ("0.500000000000", "25.000000000000")
    spec = rule_spec(AlertRule.objects.get(pk=rule["id"]))
    assert (spec.min_depth_size_base, spec.min_depth_profit_quote) == (Decimal("0.5"), Decimal("25"))
    assert spec.uses_depth
    cleared = as_user(alice).patch(f"/api/alerts/rules/{rule['id']}", {"min_depth_profit_quote": None}, format="json")
    assert cleared.json()["min_depth_profit_quote"] is None
    refused = as_user(alice).post("/api/alerts/rules", {**body, "min_depth_profit_quote": "-1"}, format="json")
    assert refused.status_code == 400 and "min_depth_profit_quote" in refused.json()
    assert AlertRule.objects.count() == 1
