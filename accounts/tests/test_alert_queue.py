"""What delivery leaves for later goes to the AlertQueue its caller passes, and nowhere else:
the webhook of a matched alert, a failed webhook's next attempt, a test alert."""

from __future__ import annotations

import pytest

from accounts.alerts import delivery
from accounts.models import AlertEvent
from accounts.tests.alerting import make_rule, opportunity
from tests.fake_servers import WebhookReceiver

pytestmark = pytest.mark.django_db


class RecordingQueue:
    def __init__(self) -> None:
        self.webhooks: list[tuple[int, str, int, float]] = []
        self.tests: list[tuple[int, str, str, float]] = []

    def webhook(self, rule_id: int, opportunity: dict, attempt: int, countdown_s: float = 0.0) -> None:
        self.webhooks.append((rule_id, opportunity["id"], attempt, countdown_s))

    def test(self, rule_id: int, channel: str, test_id: str, countdown_s: float = 0.0) -> None:
        self.tests.append((rule_id, channel, test_id, countdown_s))


def test_a_matched_alerts_webhook_is_handed_to_the_queue_and_the_rest_sent_here(alice):
    rule = make_rule(alice, webhook_url="https://hooks.example.com/arbsite")
    queue, found = RecordingQueue(), opportunity()
    assert delivery.deliver(rule.id, found, queue) == {"in_app": "sent", "webhook": "queued"}
    assert queue.webhooks == [(rule.id, found["id"], 1, 0.0)]
    assert list(AlertEvent.objects.values_list("channel", flat=True)) == ["in_app"]
    assert queue.tests == []


def test_a_failed_webhook_attempt_queues_the_next_one_with_its_backoff(alice, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True  # the receiver listens on 127.0.0.1
    settings.ALERTS_WEBHOOK_MAX_ATTEMPTS = 3
    settings.ALERTS_WEBHOOK_RETRY_BASE_S = 2
    queue, found = RecordingQueue(), opportunity()
    with WebhookReceiver(statuses=(500,)) as receiver:
        rule = make_rule(alice, notify_in_app=False, webhook_url=f"{receiver.url}/hook")
        assert delivery.deliver_webhook(rule.id, found, 2, queue=queue) == "failed"
        assert len(receiver.calls) == 1
    assert queue.webhooks == [(rule.id, found["id"], 3, 4)]


def test_a_test_alert_is_queued_once_the_transaction_commits(alice, django_capture_on_commit_callbacks):
    rule = make_rule(alice)
    queue = RecordingQueue()
    with django_capture_on_commit_callbacks() as callbacks:
        test_id = delivery.queue_test_alert(rule, "in_app", queue)
    assert queue.tests == []
    for callback in callbacks:
        callback()
    assert queue.tests == [(rule.id, "in_app", test_id, 0.0)]
