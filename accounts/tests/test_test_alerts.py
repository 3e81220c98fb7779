""" "Send a test alert" per rule and channel: from the API and from Django admin."""

from __future__ import annotations

import threading

import pytest
from django.core import mail

from accounts.models import AlertEvent, AlertRule
from accounts.tests.alerting import make_rule
from tests.fake_servers import WebhookReceiver

pytestmark = pytest.mark.django_db


def test_a_test_alert_is_sent_now_and_clearly_marked(alice, api_client, django_capture_on_commit_callbacks):
    rule = make_rule(alice, notify_email=False)  # a test works whether or not the channel is on
    api_client.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "email"}, format="json")
    assert answer.status_code == 202
    [email] = mail.outbox
    assert email.subject.startswith("[TEST] majors: BTC/USD")
    assert email.body.startswith("TEST ALERT: you asked Arbsite for a test; this opportunity is made up.")
    event = AlertEvent.objects.get(rule=rule)
    assert (event.channel, event.outcome, event.test) == ("email", "sent", True)
    assert event.opportunity_id.hex == answer.json()["test_id"]


@pytest.mark.django_db(transaction=True)
def test_a_test_alert_is_queued_and_sent_after_the_request_not_within_it(
    alice, admin, api_client, client, settings, background_threads
):
    """The request answers 202 while the test webhook is still waiting for its endpoint: the
    send runs on the webhooks' queue, like a real alert's, never in the web server's request."""
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    answer_it = threading.Event()
    with WebhookReceiver(gate=answer_it) as receiver:
        rule = make_rule(alice, webhook_url=f"{receiver.url}/hook")
        api_client.force_authenticate(alice)
        answer = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "webhook"}, format="json")
        assert answer.status_code == 202
        client.force_login(admin)
        client.post("/admin/accounts/alertrule/", {"action": "send_test_webhook", "_selected_action": [rule.pk]})

        receiver.wait_for("POST", 2, timeout_s=10)  # both arrived, and neither is answered yet
        assert list(AlertEvent.objects.values_list("outcome", flat=True)) == ["pending", "pending"]
        answer_it.set()
        assert background_threads.wait_idle(10)
    assert list(AlertEvent.objects.values_list("outcome", "test")) == [("sent", True), ("sent", True)]


def test_each_test_is_its_own_alert_and_claims_no_cooldown(alice, api_client, django_capture_on_commit_callbacks):
    rule = make_rule(alice)
    api_client.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "in_app"}, format="json")
    assert list(AlertEvent.objects.values_list("outcome", "test")) == [("sent", True), ("sent", True)]
    assert not rule.cooldowns.exists()


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ("webhook", "this rule has no webhook URL"),
        ("telegram", "Telegram is not set up on this server (no bot token)"),
        ("sms", '"sms" is not a valid choice.'),
    ],
)
def test_a_channel_that_cannot_send_is_refused_with_the_reason(alice, api_client, settings, channel, message):
    settings.TELEGRAM_BOT_TOKEN = ""
    rule = make_rule(alice)
    api_client.force_authenticate(alice)
    answer = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": channel}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"channel": [message]}
    assert not AlertEvent.objects.exists()


def test_another_users_rule_cannot_be_tested(alice, bob, api_client, django_capture_on_commit_callbacks):
    rule = make_rule(alice, notify_email=True)
    api_client.force_authenticate(bob)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "email"}, format="json")
    assert answer.status_code == 404
    assert not mail.outbox and not AlertEvent.objects.exists()


def test_a_successful_test_resumes_a_paused_webhook(alice, api_client, settings, django_capture_on_commit_callbacks):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True  # the receiver is on 127.0.0.1
    with WebhookReceiver() as receiver:
        rule = make_rule(alice, webhook_url=f"{receiver.url}/hook")
        AlertRule.objects.filter(pk=rule.pk).update(webhook_failures=3, webhook_paused_at="2026-01-01T00:00Z")
        api_client.force_authenticate(alice)
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "webhook"}, format="json")
        [call] = receiver.calls
    assert call.params["type"] == "test" and call.params["test"] is True
    rule.refresh_from_db()
    assert (rule.webhook_failures, rule.webhook_paused_at) == (0, None)


def test_pausing_and_resuming_a_webhook_through_the_api(alice, api_client):
    rule = make_rule(alice, webhook_url="https://93.184.215.14/hook")
    api_client.force_authenticate(alice)
    paused = api_client.patch(f"/api/alerts/rules/{rule.id}", {"webhook_paused": True}, format="json").json()
    assert paused["webhook_paused_at"] is not None
    AlertRule.objects.filter(pk=rule.pk).update(webhook_failures=3)
    resumed = api_client.patch(f"/api/alerts/rules/{rule.id}", {"webhook_paused": False}, format="json").json()
    assert (resumed["webhook_paused_at"], resumed["webhook_failures"]) == (None, 0)


def test_the_admin_sends_test_alerts_for_any_users_rules(admin, alice, bob, client, django_capture_on_commit_callbacks):
    rules = [make_rule(alice), make_rule(bob)]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/accounts/alertrule/",
            {"action": "send_test_in_app", "_selected_action": [rule.pk for rule in rules]},
        )
    assert answer.status_code == 302
    assert client.get("/admin/accounts/alertrule/").status_code == 200
    assert client.get("/admin/accounts/telegramlink/").status_code == 200
    assert sorted(AlertEvent.objects.values_list("user__username", "channel", "test")) == [
        ("alice", "in_app", True),
        ("bob", "in_app", True),
    ]


def test_the_admin_sees_every_users_alert_history_read_only(admin, alice, client):
    rule = make_rule(alice)
    event = AlertEvent.objects.create(
        user=alice, rule=rule, opportunity_id="0" * 32, channel="in_app", outcome="sent", idempotency_key="k"
    )
    client.force_login(admin)
    assert client.get("/admin/accounts/alertevent/").status_code == 200
    assert client.get(f"/admin/accounts/alertevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/accounts/alertevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AlertEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_form_validates_like_the_api(admin, alice, client):
    client.force_login(admin)
    answer = client.post(
        "/admin/accounts/alertrule/add/",
        {
            "user": alice.pk,
            "name": "bad",
            "instruments": "[]",
            "buy_exchanges": '["nowhere"]',
            "sell_exchanges": "[]",
            "min_net_spread_pct": "0.5",
            "cooldown_s": "300",
            "webhook_url": "http://10.0.0.1/hook",
            "active": "on",
        },
    )
    assert answer.status_code == 200  # the form again, with its errors
    errors = answer.context["adminform"].form.errors
    assert "10.0.0.1, a private address" in str(errors["webhook_url"])
    assert "nowhere" in str(errors["buy_exchanges"])
    assert not AlertRule.objects.exists()
