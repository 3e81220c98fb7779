"""Alert history through the API: each user's own deliveries, filtered and paged."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AlertEvent, AlertRule

pytestmark = pytest.mark.django_db


def deliver(user, rule=None, channel="in_app", outcome="sent") -> AlertEvent:
    return AlertEvent.objects.create(
        user=user,
        rule=rule,
        opportunity_id=uuid.uuid4(),
        channel=channel,
        outcome=outcome,
        latency_ms=120,
        idempotency_key=uuid.uuid4().hex,
    )


def test_history_is_newest_first_filtered_and_paged(as_user, alice):
    rule = AlertRule.objects.create(user=alice, name="btc", min_net_spread_pct="0.5")
    sent = deliver(alice, rule)
    failed = deliver(alice, rule, channel="webhook", outcome="failed")
    AlertEvent.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(hours=2))
    page = as_user(alice).get("/api/alerts/events").json()
    assert [e["id"] for e in page["results"]] == [failed.pk, sent.pk]
    assert page["results"][0]["rule_name"] == "btc"
    assert [e["id"] for e in as_user(alice).get("/api/alerts/events?outcome=failed").json()["results"]] == [failed.pk]
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    found = as_user(alice).get("/api/alerts/events", {"since": since}).json()
    assert [e["id"] for e in found["results"]] == [failed.pk]
    assert as_user(alice).get("/api/alerts/events?limit=1").json()["next"] is not None
    assert as_user(alice).get("/api/alerts/events?channel=pigeon").status_code == 400


def test_history_outlives_its_rule(as_user, alice):
    rule = AlertRule.objects.create(user=alice, name="gone", min_net_spread_pct="0.5")
    event = deliver(alice, rule)
    assert as_user(alice).delete(f"/api/alerts/rules/{rule.pk}").status_code == 204
    found = as_user(alice).get(f"/api/alerts/events/{event.pk}").json()
    assert (found["rule"], found["rule_name"]) == (None, None)


def test_the_idempotency_key_is_unique():
    from django.db import IntegrityError

    from accounts.models import User

    user = User.objects.create_user("carol")
    event = deliver(user)
    with pytest.raises(IntegrityError):
        AlertEvent.objects.create(
            user=user,
            opportunity_id=event.opportunity_id,
            channel="in_app",
            outcome="sent",
            idempotency_key=event.idempotency_key,
        )


def test_bob_sees_none_of_alices_history(as_user, alice, bob):
    event = deliver(alice)
    assert as_user(bob).get("/api/alerts/events").json()["count"] == 0
    assert as_user(bob).get(f"/api/alerts/events/{event.pk}").status_code == 404
    assert as_user(alice).get(f"/api/alerts/events/{event.pk}").status_code == 200
    rule = AlertRule.objects.create(user=alice, name="a", min_net_spread_pct="0.5")
    deliver(alice, rule)
    assert as_user(bob).get(f"/api/alerts/events?rule={rule.pk}").json()["count"] == 0


def test_history_is_read_only(as_user, alice):
    event = deliver(alice)
    client = as_user(alice)
    assert client.post("/api/alerts/events", {}, format="json").status_code == 405
    assert client.delete(f"/api/alerts/events/{event.pk}").status_code == 405
    assert AlertEvent.objects.filter(pk=event.pk).exists()
