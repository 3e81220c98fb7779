"""Alert history stays bounded: the periodic prune (celery beat)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AlertCooldown, AlertEvent, TelegramLinkCode
from accounts.tasks import prune_alert_history
from accounts.tests.alerting import make_rule

pytestmark = pytest.mark.django_db


def event(user, key: str, age: timedelta, outcome: str = "sent") -> AlertEvent:
    row = AlertEvent.objects.create(
        user=user, opportunity_id="0" * 32, channel="email", outcome=outcome, idempotency_key=key
    )
    AlertEvent.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_old_history_spent_cooldowns_and_codes_go_and_abandoned_claims_are_failed(alice, settings):
    settings.ALERT_RETENTION_DAYS = 30
    now = timezone.now()
    event(alice, "old", timedelta(days=31))
    kept = event(alice, "recent", timedelta(days=29))
    abandoned = event(alice, "abandoned", timedelta(hours=1), outcome="pending")
    sending = event(alice, "sending", timedelta(seconds=5), outcome="pending")
    rule = make_rule(alice)
    AlertCooldown.objects.create(
        rule=rule, pair_key="old", last_sent_at=now - timedelta(days=8), opportunity_id="0" * 32
    )
    AlertCooldown.objects.create(rule=rule, pair_key="new", last_sent_at=now, opportunity_id="0" * 32)
    TelegramLinkCode.objects.create(user=alice, code="expired", expires_at=now - timedelta(seconds=1))

    assert prune_alert_history.apply().get() == {"abandoned": 1, "events": 1, "cooldowns": 1, "link_codes": 1}

    assert set(AlertEvent.objects.values_list("pk", "outcome")) == {
        (kept.pk, "sent"),
        (abandoned.pk, "failed"),
        (sending.pk, "pending"),
    }
    assert AlertEvent.objects.get(pk=abandoned.pk).error == "the worker stopped while sending; not sent"
    assert list(AlertCooldown.objects.values_list("pair_key", flat=True)) == ["new"]
