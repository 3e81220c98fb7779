"""Notification preferences: kept per user, edited on the Settings page, rendered into every
logged-in page (#notification-prefs) for the pages' scripts to honour."""

from __future__ import annotations

import json

import pytest

from accounts.models import TradingSettings
from accounts.notification_preferences import NotificationPreferences, notification_preferences

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _prefs(page: str) -> dict | None:
    marker = '<script id="notification-prefs" type="application/json">'
    return json.loads(page.split(marker)[1].split("</script>")[0]) if marker in page else None


def test_a_user_who_set_none_gets_toasts_only(client, alice):
    assert notification_preferences(alice) == NotificationPreferences(
        toasts=True, sound=False, browser_notifications=False
    )
    client.force_login(alice)
    assert _prefs(client.get("/funding/").content.decode()) == {
        "toasts": True,
        "sound": False,
        "browser_notifications": False,
    }
    assert not TradingSettings.objects.filter(user=alice).exists()  # reading writes nothing


def test_saved_on_the_settings_page_and_rendered_into_every_page(client, alice, bob):
    client.force_login(alice)
    response = client.post(
        "/accounts/settings/notifications/", {"alert_sound": "on", "alert_browser_notifications": "on"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/settings/"
    expected = {"toasts": False, "sound": True, "browser_notifications": True}
    for url in ("/", "/opportunities/", "/instruments/BTC/USDT:USDT/", "/accounts/settings/"):
        page = client.get(url)
        if page.status_code == 404:
            continue  # no such instrument in this database: the other pages say enough
        assert _prefs(page.content.decode()) == expected, url
    settings_page = client.get("/accounts/settings/").content.decode()
    assert '<input type="checkbox" name="alert_sound" checked>' in settings_page
    assert '<input type="checkbox" name="alert_toasts">' in settings_page
    assert "no toast, sound, browser notification" in client.get("/opportunities/").content.decode()
    # Her fees and defaults are untouched, and bob's preferences are his own.
    row = TradingSettings.objects.get(user=alice)
    assert (row.holding_h, row.min_net_spread_pct) == (8, None)
    assert notification_preferences(bob) == NotificationPreferences()


def test_saved_over_htmx_answers_the_form_with_the_saved_values(client, alice):
    client.force_login(alice)
    client.get("/accounts/settings/")  # caches the defaults: the save must drop them
    response = client.post("/accounts/settings/notifications/", {"alert_toasts": "on"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="notification-settings"')
    assert 'role="status">Saved.' in html
    assert '<input type="checkbox" name="alert_toasts" checked>' in html
    assert '<input type="checkbox" name="alert_sound">' in html
    assert notification_preferences(alice) == NotificationPreferences(
        toasts=True, sound=False, browser_notifications=False
    )


def test_trading_settings_keep_the_notification_preferences(client, alice):
    client.force_login(alice)
    client.post("/accounts/settings/notifications/", {"alert_sound": "on"})
    client.post("/accounts/settings/trading/", {"holding_h": "24", "min_net_spread_pct": ""})
    assert TradingSettings.objects.get(user=alice).holding_h == 24
    assert notification_preferences(alice) == NotificationPreferences(toasts=False, sound=True)


def test_logged_out_pages_carry_none_and_saving_needs_a_login(client, alice):
    assert _prefs(client.get("/accounts/login/").content.decode()) is None
    response = client.post("/accounts/settings/notifications/", {"alert_sound": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not TradingSettings.objects.exists()


def test_the_api_reads_them_and_changes_only_those_given(as_user, alice, bob):
    api = as_user(alice)
    assert api.get("/api/settings").json()["notifications"] == {
        "toasts": True,
        "sound": False,
        "browser_notifications": False,
    }
    answer = api.put("/api/settings", {"notifications": {"sound": True}}, format="json")
    assert answer.status_code == 200
    assert answer.json()["notifications"] == {"toasts": True, "sound": True, "browser_notifications": False}
    answer = api.put("/api/settings", {"holding_h": 12, "notifications": {"toasts": False}}, format="json")
    assert answer.json()["holding_h"] == 12
    assert answer.json()["notifications"] == {"toasts": False, "sound": True, "browser_notifications": False}
    assert notification_preferences(bob) == NotificationPreferences()


def test_the_api_refuses_a_preference_that_is_not_a_boolean_and_changes_nothing(as_user, alice):
    api = as_user(alice)
    answer = api.put("/api/settings", {"holding_h": 12, "notifications": {"sound": "loud"}}, format="json")
    assert answer.status_code == 400
    assert "sound" in answer.json()["notifications"]
    assert not TradingSettings.objects.filter(user=alice).exists()
