"""Celery tasks of accounts: alert delivery and its periodic upkeep.

Thin: each takes primary keys and JSON, reloads, and calls a service (accounts.alerts). Safe to
run twice: the services claim their work in the database first.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from accounts.alerts import delivery, history, telegram_link

logger = logging.getLogger(__name__)


@shared_task
def deliver_alert(rule_id: int, opportunity: dict) -> dict[str, str]:
    """Queued by the engine for each rule an opportunity matched (arbitrage.alerting)."""
    return delivery.deliver(rule_id, opportunity)


@shared_task
def retry_webhook(rule_id: int, opportunity: dict, attempt: int) -> str:
    """A failed webhook's next attempt, queued with a countdown (exponential backoff)."""
    return delivery.retry_webhook(rule_id, opportunity, attempt)


@shared_task
def send_test_alert(rule_id: int, channel: str, test_id: str | None = None) -> str:
    """A test alert on one channel of a rule (the API's and the admin's "send a test alert")."""
    return delivery.send_test(rule_id, channel, test_id)


@shared_task
def poll_telegram_updates() -> int:
    return telegram_link.poll_updates()


@shared_task
def prune_alert_history() -> dict[str, int]:
    counts = history.prune_alert_history(timedelta(days=settings.ALERT_RETENTION_DAYS))
    logger.info("alert history pruned (%d days kept): %s", settings.ALERT_RETENTION_DAYS, counts)
    return counts
