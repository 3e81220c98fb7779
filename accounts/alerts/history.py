"""Keeping alert history bounded and true: old events, spent cooldowns and link codes go;
claims a stopped worker left `pending` are marked `unknown`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import AlertCooldown, AlertEvent, TelegramLinkCode

# Far longer than any one send takes (a webhook attempt's deadline is seconds; email and
# Telegram time out within seconds too): a claim still pending after this lost its worker.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_COOLDOWN = timedelta(days=7)  # the API's limit on a rule's cooldown
ABANDONED_ERROR = (
    "Not known whether this arrived: the worker sending it stopped before it could tell. "
    "It is not sent again (a webhook receiver can deduplicate on X-Arbsite-Delivery)."
)


def mark_abandoned(older_than: timedelta = ABANDONED_AFTER) -> int:
    """Mark `unknown` the deliveries claimed longer than `older_than` ago and still pending:
    their worker died after claiming, perhaps after sending. How many."""
    abandoned = AlertEvent.objects.filter(
        outcome=AlertEvent.Outcome.PENDING, created_at__lt=timezone.now() - older_than
    )
    return abandoned.update(outcome=AlertEvent.Outcome.UNKNOWN, error=ABANDONED_ERROR)


def prune_alert_history(retention: timedelta) -> dict[str, int]:
    now = timezone.now()
    return {
        "events": AlertEvent.objects.filter(created_at__lt=now - retention).delete()[0],
        "cooldowns": AlertCooldown.objects.filter(last_sent_at__lt=now - MAX_COOLDOWN).delete()[0],
        "link_codes": TelegramLinkCode.objects.filter(expires_at__lt=now).delete()[0],
    }
