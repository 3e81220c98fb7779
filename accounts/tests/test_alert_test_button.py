"""The alerts page's "send a test" buttons: one per channel a rule uses, the result inline
(polled until the worker wrote it), a limit per user shared with the API."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import AlertEvent
from accounts.tests.alerting import make_rule

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _limit_tests(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "alert_test": rate},
    }


def test_a_rule_has_a_test_button_per_channel_it_uses(client, alice):
    make_rule(alice, notify_email=True, webhook_url="https://hooks.example.com/a")
    client.force_login(alice)
    page = client.get("/accounts/alerts/").content.decode()
    assert 'data-channel="in_app"' in page
    assert 'data-channel="email"' in page
    assert 'data-channel="webhook"' in page
    assert 'data-channel="telegram"' not in page


def test_the_button_queues_a_marked_test_and_shows_its_result_inline(client, alice, django_capture_on_commit_callbacks):
    rule = make_rule(alice, notify_email=True)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/accounts/alerts/{rule.id}/test/", {"channel": "email"}, **HTMX)
    assert answer.status_code == 200
    first = answer.content.decode()
    assert 'data-outcome="pending"' in first  # the worker answers after the request
    [email] = mail.outbox
    assert email.subject.startswith("[TEST]")
    event = AlertEvent.objects.get(rule=rule)
    assert (event.test, event.outcome) == (True, "sent")

    result = client.get(f"/accounts/alerts/{rule.id}/test/{event.opportunity_id.hex}/?channel=email&tries=1", **HTMX)
    text = result.content.decode()
    assert 'data-outcome="sent"' in text
    assert "Test by Email: sent at" in text
    assert "hx-trigger" not in text  # known: no more polling


def test_a_pending_result_polls_again_then_gives_up(client, alice):
    rule = make_rule(alice)
    client.force_login(alice)
    missing = "0" * 32
    polling = client.get(f"/accounts/alerts/{rule.id}/test/{missing}/?channel=in_app&tries=3").content.decode()
    assert 'data-outcome="pending"' in polling
    assert "tries=4" in polling
    done = client.get(f"/accounts/alerts/{rule.id}/test/{missing}/?channel=in_app&tries=29").content.decode()
    assert 'data-outcome="waiting"' in done
    assert "hx-trigger" not in done


def test_a_channel_that_cannot_send_says_why_inline(client, alice, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    rule = make_rule(alice, notify_telegram=True)
    client.force_login(alice)
    text = client.post(f"/accounts/alerts/{rule.id}/test/", {"channel": "telegram"}, **HTMX).content.decode()
    assert 'data-outcome="refused"' in text
    assert "Telegram is not set up on this server (no bot token)" in text
    assert not AlertEvent.objects.exists()


def test_tests_are_limited_per_user_across_the_page_and_the_api(
    client, api_client, alice, bob, settings, django_capture_on_commit_callbacks
):
    _limit_tests(settings, "2/min")
    rule = make_rule(alice)
    client.force_login(alice)
    api_client.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/accounts/alerts/{rule.id}/test/", {"channel": "in_app"}, **HTMX)
        api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "in_app"}, format="json")
        refused_page = client.post(f"/accounts/alerts/{rule.id}/test/", {"channel": "in_app"}, **HTMX)
        refused_api = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "in_app"}, format="json")
    assert "Too many tests: try again in" in refused_page.content.decode()
    assert refused_api.status_code == 429
    assert int(refused_api["Retry-After"]) >= 1
    assert AlertEvent.objects.filter(test=True).count() == 2  # the refused ones sent nothing

    bobs_rule = make_rule(bob)  # another user's limit is their own
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/accounts/alerts/{bobs_rule.id}/test/", {"channel": "in_app"}, **HTMX)
    assert AlertEvent.objects.filter(user=bob, test=True, outcome="sent").count() == 1


def test_another_users_rule_cannot_be_tested_or_read(client, alice, bob):
    rule = make_rule(alice)
    client.force_login(bob)
    assert client.post(f"/accounts/alerts/{rule.id}/test/", {"channel": "in_app"}).status_code == 404
    assert client.get(f"/accounts/alerts/{rule.id}/test/{'0' * 32}/").status_code == 404
    assert not AlertEvent.objects.exists()


def test_a_private_webhook_refusal_names_the_setting_that_allows_it(client, alice):
    client.force_login(alice)
    answer = client.post(
        "/accounts/alerts/",
        {"name": "lab", "min_net_spread_pct": "0.2", "webhook_url": "http://127.0.0.1:9000/hook"},
        **HTMX,
    )
    assert "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS=1" in answer.content.decode()
    assert not alice.alert_rules.exists()
