"""Alert history stays bounded and true: the periodic prune and sweep (celery beat)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AlertCooldown, AlertEvent, TelegramLinkCode
from accounts.tasks import mark_abandoned_alerts, prune_alert_history
from accounts.tests.alerting import make_rule

pytestmark = pytest.mark.django_db


def event(user, key: str, age: timedelta, outcome: str = "sent") -> AlertEvent:
    row = AlertEvent.objects.create(
        user=user, opportunity_id="0" * 32, channel="email", outcome=outcome, idempotency_key=key
    )
    AlertEvent.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_old_history_spent_cooldowns_and_codes_go(alice, settings):
    settings.ALERT_RETENTION_DAYS = 30
    now = timezone.now()
    event(alice, "old", timedelta(days=31))
    kept = event(alice, "recent", timedelta(days=29))
    rule = make_rule(alice)
    AlertCooldown.objects.create(
        rule=rule, pair_key="old", last_sent_at=now - timedelta(days=8), opportunity_id="0" * 32
    )
    AlertCooldown.objects.create(rule=rule, pair_key="new", last_sent_at=now, opportunity_id="0" * 32)
    TelegramLinkCode.objects.create(user=alice, code="expired", expires_at=now - timedelta(seconds=1))

    assert prune_alert_history.apply().get() == {"events": 1, "cooldowns": 1, "link_codes": 1}

    assert list(AlertEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(AlertCooldown.objects.values_list("pair_key", flat=True)) == ["new"]


def test_claims_a_stopped_worker_left_pending_are_marked_unknown_not_failed(alice):
    """The worker died after claiming, perhaps after sending: whether it arrived is unknown."""
    abandoned = event(alice, "abandoned", timedelta(minutes=6), outcome="pending")
    sending = event(alice, "sending", timedelta(seconds=5), outcome="pending")

    assert mark_abandoned_alerts.apply().get() == 1

    assert set(AlertEvent.objects.values_list("pk", "outcome")) == {(abandoned.pk, "unknown"), (sending.pk, "pending")}
    assert AlertEvent.objects.get(pk=abandoned.pk).error.startswith("Not known whether this arrived")
