"""Webhook alerts: signed JSON POSTs, retried with backoff, paused when they keep failing, and
never sent to loopback or private addresses (checked again at send time)."""

from __future__ import annotations

import json

import pytest

from accounts.alerts import delivery
from accounts.alerts.messages import alert_message_decoder
from accounts.models import AlertEvent, AlertRule
from accounts.tasks import deliver_alert, deliver_webhook
from accounts.tests.alerting import make_rule, opportunity
from tests.fake_servers import WebhookReceiver
from tests.fake_servers import verify_signature as verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_hooks(settings):
    """The receivers here listen on 127.0.0.1, which only a lab setting lets webhooks reach."""
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    settings.ALERTS_WEBHOOK_MAX_ATTEMPTS = 3
    settings.ALERTS_WEBHOOK_RETRY_BASE_S = 0  # eager retries run at once: no waiting in tests
    settings.ALERTS_WEBHOOK_PAUSE_AFTER = 2


def webhook_rule(user, url: str, **fields) -> AlertRule:
    return make_rule(user, notify_in_app=False, webhook_url=url, cooldown_s=0, **fields)


def attempts(rule) -> list[tuple[int, str]]:
    return sorted(AlertEvent.objects.filter(rule=rule, channel="webhook").values_list("attempt", "outcome"))


def test_a_webhook_gets_the_opportunity_signed_with_the_rules_secret(alice, local_hooks):
    with WebhookReceiver() as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hooks/arbsite?team=1")
        found = opportunity()
        assert deliver_alert(rule.id, found) == {"webhook": "queued"}  # its own task, run inline here
        [call] = receiver.calls

    assert verify(rule.webhook_secret, call.headers, call.body)
    assert not verify("another secret", call.headers, call.body)
    assert call.params == {
        "type": "opportunity",
        "delivery_id": f"alert:{rule.id}:{found['id']}:webhook",
        "test": False,
        "rule": {"id": rule.id, "name": "majors"},
        "opportunity": found,
    }
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["X-Arbsite-Delivery"] == f"alert:{rule.id}:{found['id']}:webhook"
    assert call.headers["X-Arbsite-Attempt"] == "1"
    assert attempts(rule) == [(1, "sent")]


def test_a_failing_webhook_is_retried_with_backoff_then_paused_and_the_user_told(
    alice, local_hooks, django_capture_on_commit_callbacks, monkeypatch
):
    pushed = []
    monkeypatch.setattr(delivery, "push_to_user", lambda user_id, text: pushed.append((user_id, text)))
    with WebhookReceiver(statuses=(500,)) as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        first = opportunity()
        assert deliver_webhook(rule.id, first) == "failed"
        assert len(receiver.calls) == 3  # ALERTS_WEBHOOK_MAX_ATTEMPTS
        assert attempts(rule) == [(1, "failed"), (2, "failed"), (3, "failed")]
        rule.refresh_from_db()
        assert (rule.webhook_failures, rule.webhook_paused_at) == (1, None)
        assert {call.headers["X-Arbsite-Delivery"] for call in receiver.calls} == {
            f"alert:{rule.id}:{first['id']}:webhook"
        }
        assert [call.headers["X-Arbsite-Attempt"] for call in receiver.calls] == ["1", "2", "3"]

        second = opportunity(sell="okx")
        with django_capture_on_commit_callbacks(execute=True):
            deliver_alert(rule.id, second)  # the second failed delivery in a row: paused
        rule.refresh_from_db()
        assert rule.webhook_failures == 2 and rule.webhook_paused_at is not None
        notice = AlertEvent.objects.get(idempotency_key=f"alert:{rule.id}:{second['id']}:webhook:paused")
        assert notice.outcome == "failed" and "failed 2 times in a row" in notice.error
        [(user_id, text)] = pushed
        told = alert_message_decoder.decode(text).data
        assert user_id == alice.pk
        assert told.kind == "webhook_paused" and told.rule_id == rule.id and "HTTP 500" in told.text

        assert deliver_webhook(rule.id, opportunity(sell="okx", buy="bitget")) == "skipped"
        assert len(receiver.calls) == 6  # nothing more once paused

    errors = list(AlertEvent.objects.filter(rule=rule, opportunity_id=first["id"]).order_by("attempt"))
    assert [event.error for event in errors] == [
        "the endpoint answered HTTP 500 Internal Server Error (attempt 1 of 3; next in 0 s)",
        "the endpoint answered HTTP 500 Internal Server Error (attempt 2 of 3; next in 0 s)",
        "the endpoint answered HTTP 500 Internal Server Error (attempt 3; giving up)",
    ]


def test_a_retry_that_succeeds_resets_the_failure_count(alice, local_hooks):
    with WebhookReceiver(statuses=(503, 200)) as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        AlertRule.objects.filter(pk=rule.pk).update(webhook_failures=1)
        assert deliver_webhook(rule.id, opportunity()) == "failed"  # the first attempt's outcome
        assert len(receiver.calls) == 2
    assert attempts(rule) == [(1, "failed"), (2, "sent")]
    rule.refresh_from_db()
    assert rule.webhook_failures == 0


def test_a_retried_attempt_run_twice_posts_once(alice, local_hooks):
    with WebhookReceiver() as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        found = opportunity()
        assert deliver_webhook.apply(args=(rule.id, found, 2)).get() == "sent"
        assert deliver_webhook.apply(args=(rule.id, found, 2)).get() == "duplicate"
        assert len(receiver.calls) == 1


def test_retries_wait_exponentially_longer_capped(settings):
    settings.ALERTS_WEBHOOK_RETRY_BASE_S = 2
    settings.ALERTS_WEBHOOK_RETRY_MAX_S = 20
    assert [delivery.retry_delay_s(attempt) for attempt in (2, 3, 4, 5, 6, 7)] == [2, 4, 8, 16, 20, 20]


def test_with_a_broker_the_retry_is_queued_with_its_countdown_on_the_webhooks_queue(
    alice, local_hooks, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ALERTS_WEBHOOK_RETRY_BASE_S = 2
    queued = []
    monkeypatch.setattr(deliver_webhook, "apply_async", lambda *args, **options: queued.append((args, options)))
    with WebhookReceiver(statuses=(500,)) as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        found = opportunity()
        assert deliver_alert(rule.id, found) == {"webhook": "queued"}
        assert queued == [(((rule.id, found, 1),), {"countdown": None, "queue": "webhooks"})]
        deliver_webhook(rule.id, found)
        assert len(receiver.calls) == 1
    assert queued[1] == (((rule.id, found, 2),), {"countdown": 2, "queue": "webhooks"})


@pytest.mark.parametrize("address", ["127.0.0.1", "10.20.30.40", "192.168.1.2", "169.254.169.254"])
def test_a_webhook_that_resolves_to_a_private_address_at_send_time_is_refused(alice, monkeypatch, address):
    """Public when saved, private when sent (DNS changed, or rebinding): refused, never called."""
    rule = webhook_rule(alice, "https://hooks.example.com/arbsite")
    monkeypatch.setattr("accounts.alerts.transports.webhook.resolve_host", lambda host, port: [address])
    connections = []
    monkeypatch.setattr("socket.create_connection", lambda *args, **kwargs: connections.append(args))

    assert deliver_webhook(rule.id, opportunity()) == "failed"

    [event] = AlertEvent.objects.filter(rule=rule)
    assert event.error.startswith(f"webhook URL refused: hooks.example.com resolves to {address}")
    assert event.error.endswith("(attempt 1; giving up)")  # a refused URL is not retried
    assert connections == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.1/hook", "http://[::1]:9/hook"])
def test_address_literals_of_loopback_and_private_ranges_are_refused(alice, url):
    rule = webhook_rule(alice, url)
    assert deliver_webhook(rule.id, opportunity()) == "failed"
    assert "webhook URL refused" in AlertEvent.objects.get(rule=rule).error


def test_the_connection_goes_to_the_address_that_was_checked(alice, local_hooks, monkeypatch):
    """One DNS answer, checked and then connected to: no second lookup to rebind."""
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr("accounts.alerts.transports.webhook.resolve_host", resolve)
    with WebhookReceiver() as receiver:
        rule = webhook_rule(alice, f"http://hooks.example.com:{receiver.port}/hook")
        assert deliver_webhook(rule.id, opportunity()) == "sent"
        [call] = receiver.calls
    assert lookups == ["hooks.example.com"]
    assert call.headers["Host"] == f"hooks.example.com:{receiver.port}"


def test_the_body_is_the_same_bytes_on_every_attempt(alice, local_hooks):
    with WebhookReceiver(statuses=(500, 500, 200)) as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        deliver_alert(rule.id, opportunity())
        bodies = {call.body for call in receiver.calls}
    assert len(receiver.calls) == 3 and len(bodies) == 1
    assert json.loads(bodies.pop())["type"] == "opportunity"


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_retry_waits_on_a_timer_not_on_the_caller(alice, local_hooks, settings, background_threads):
    settings.ALERTS_WEBHOOK_RETRY_BASE_S = 0.2
    with WebhookReceiver(statuses=(500, 200)) as receiver:
        rule = webhook_rule(alice, f"{receiver.url}/hook")
        assert deliver_webhook(rule.id, opportunity()) == "failed"
        assert len(receiver.calls) == 1  # the caller (the engine's lane, a worker) is free at once
        receiver.wait_for("POST", 2, timeout_s=10)
        assert background_threads.wait_idle(10)  # attempt 2 is recorded
    assert attempts(rule) == [(1, "failed"), (2, "sent")]
    assert AlertEvent.objects.get(rule=rule, attempt=1).error.endswith("(attempt 1 of 3; next in 0.2 s)")
