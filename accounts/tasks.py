"""Celery tasks of accounts: alert delivery and its periodic upkeep.

Thin: each takes primary keys and JSON, reloads, and calls a service (accounts.alerts). Safe to
run twice: the services claim their work in the database first. What a delivery leaves for
later (a webhook, its retry, a test alert) comes back here through `alert_queue`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from accounts.alerts import delivery, history, telegram_link
from lib.background import WEBHOOK_QUEUE, queue_task

logger = logging.getLogger(__name__)


class CeleryAlertQueue:
    """delivery.AlertQueue as the tasks below, queued in the background (lib.background)."""

    def webhook(self, rule_id: int, opportunity: dict, attempt: int, countdown_s: float = 0.0) -> None:
        queue_task(deliver_webhook, (rule_id, opportunity, attempt), countdown_s=countdown_s)

    def test(self, rule_id: int, channel: str, test_id: str, countdown_s: float = 0.0) -> None:
        # A test webhook waits in the webhooks' queue, like any webhook.
        queue = WEBHOOK_QUEUE if channel == delivery.WEBHOOK else None
        queue_task(send_test_alert, (rule_id, channel, test_id), countdown_s=countdown_s, queue=queue)


alert_queue = CeleryAlertQueue()


def queue_alert(rule_id: int, opportunity: dict) -> None:
    """The engine's alert sender (registered with arbitrage.alerting in AccountsConfig.ready):
    one delivery of a rule an opportunity matched, queued. Broker errors reach the engine,
    which keeps the alert and tries again."""
    queue_task(deliver_alert, (rule_id, opportunity))


@shared_task
def deliver_alert(rule_id: int, opportunity: dict) -> dict[str, str]:
    """Queued through queue_alert for each rule an opportunity matched (arbitrage.alerting)."""
    return delivery.deliver(rule_id, opportunity, alert_queue)


@shared_task
def deliver_webhook(rule_id: int, opportunity: dict, attempt: int = 1) -> str:
    """An alert's webhook, on the `webhooks` queue: queued by deliver_alert (attempt 1), and
    after a failure with a countdown (exponential backoff)."""
    return delivery.deliver_webhook(rule_id, opportunity, attempt, queue=alert_queue)


@shared_task
def send_test_alert(rule_id: int, channel: str, test_id: str | None = None) -> str:
    """A test alert on one channel of a rule (the API's and the admin's "send a test alert")."""
    return delivery.send_test(rule_id, channel, test_id, queue=alert_queue)


@shared_task
def poll_telegram_updates() -> int:
    return telegram_link.poll_updates()


@shared_task
def prune_alert_history() -> dict[str, int]:
    counts = history.prune_alert_history(timedelta(days=settings.ALERT_RETENTION_DAYS))
    logger.info("alert history pruned (%d days kept): %s", settings.ALERT_RETENTION_DAYS, counts)
    return counts


@shared_task
def mark_abandoned_alerts() -> int:
    """Deliveries left `pending` by a worker that died mid-send: `unknown` (every minute)."""
    marked = history.mark_abandoned()
    if marked:
        logger.warning("%d alert deliveries left pending by a stopped worker marked unknown", marked)
    return marked
