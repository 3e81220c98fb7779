"""A user's own resources: what they may see, and the writes, each a named function.

Every read of a user's rows goes through a `visible_*` helper, so "may this user see it" is
decided in one place per object type and no view filters by user on its own.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.active_users import changed_in_transaction
from accounts.models import AlertEvent, AlertRule, WatchedInstrument, generate_webhook_secret

MAX_ALERT_RULES = 100
MAX_WATCHED_INSTRUMENTS = 500


class LimitReached(Exception):
    """A user already has as many of something as one may have."""


# --- who sees what --------------------------------------------------------------------------
def visible_watched_instruments(user) -> QuerySet[WatchedInstrument]:
    return WatchedInstrument.objects.filter(user=user)


def visible_alert_rules(user) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(user=user)


def visible_alert_events(user) -> QuerySet[AlertEvent]:
    return AlertEvent.objects.filter(user=user).select_related("rule")


def visible_test_alert(user, test_id: str) -> AlertEvent | None:
    """The history row of one of the user's test alerts (its id is the made-up opportunity's),
    None until a worker has claimed it."""
    try:
        opportunity_id = uuid.UUID(test_id)
    except ValueError:
        return None
    return visible_alert_events(user).filter(test=True, opportunity_id=opportunity_id).first()


def watched_instruments(user) -> set[str]:
    """The canonical instruments a user follows (pages show them first)."""
    return set(visible_watched_instruments(user).values_list("instrument", flat=True))


# --- writes -------------------------------------------------------------------------------
def watch_instrument(user, instrument: str) -> tuple[WatchedInstrument, bool]:
    """Follow an instrument; (the row, whether it is new). Watching twice is not an error."""
    existing = visible_watched_instruments(user).filter(instrument=instrument).first()
    if existing is not None:
        return existing, False
    if visible_watched_instruments(user).count() >= MAX_WATCHED_INSTRUMENTS:
        raise LimitReached(f"at most {MAX_WATCHED_INSTRUMENTS} watched instruments")
    try:
        with transaction.atomic():
            watched = WatchedInstrument.objects.create(user=user, instrument=instrument)
    except IntegrityError:  # the same request, twice at once
        return visible_watched_instruments(user).get(instrument=instrument), False
    changed_in_transaction(user.pk)  # the active-user cache holds the watched instruments
    return watched, True


def unwatch_instrument(watched: WatchedInstrument) -> None:
    watched.delete()
    changed_in_transaction(watched.user_id)


def create_alert_rule(user, **fields) -> AlertRule:
    if visible_alert_rules(user).count() >= MAX_ALERT_RULES:
        raise LimitReached(f"at most {MAX_ALERT_RULES} alert rules")
    if fields.pop("webhook_paused", False):
        fields["webhook_paused_at"] = timezone.now()
    return AlertRule.objects.create(user=user, **fields)


def update_alert_rule(rule: AlertRule, **fields) -> AlertRule:
    """Change a rule's fields. `webhook_paused`: False resumes a paused webhook, True pauses it;
    a new webhook URL starts with a clean slate (not paused, no failures)."""
    paused = fields.pop("webhook_paused", None)
    if "webhook_url" in fields and fields["webhook_url"] != rule.webhook_url and paused is None:
        paused = False
    if paused is False:
        rule.webhook_paused_at, rule.webhook_failures = None, 0
    elif paused and rule.webhook_paused_at is None:
        rule.webhook_paused_at = timezone.now()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def rotate_webhook_secret(rule: AlertRule) -> AlertRule:
    """A new secret: signatures made with the old one stop verifying at once."""
    rule.webhook_secret = generate_webhook_secret()
    rule.save(update_fields=["webhook_secret", "updated_at"])
    return rule


def delete_alert_rule(rule: AlertRule) -> None:
    """The rule goes; its delivery history stays, detached (AlertEvent.rule becomes null)."""
    rule.delete()
