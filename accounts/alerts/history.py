"""Keeping alert history bounded: old events, spent cooldowns and link codes go; claims a
stopped worker left `pending` are marked failed."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import AlertCooldown, AlertEvent, TelegramLinkCode

ABANDONED_AFTER = timedelta(minutes=15)  # far longer than any one send (webhook timeouts are seconds)
MAX_COOLDOWN = timedelta(days=7)  # the API's limit on a rule's cooldown


def prune_alert_history(retention: timedelta) -> dict[str, int]:
    now = timezone.now()
    abandoned = AlertEvent.objects.filter(outcome=AlertEvent.Outcome.PENDING, created_at__lt=now - ABANDONED_AFTER)
    counts = {
        "abandoned": abandoned.update(
            outcome=AlertEvent.Outcome.FAILED, error="the worker stopped while sending; not sent"
        ),
        "events": AlertEvent.objects.filter(created_at__lt=now - retention).delete()[0],
        "cooldowns": AlertCooldown.objects.filter(last_sent_at__lt=now - MAX_COOLDOWN).delete()[0],
        "link_codes": TelegramLinkCode.objects.filter(expires_at__lt=now).delete()[0],
    }
    return counts
