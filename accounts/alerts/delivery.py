"""The alert delivery service the Celery tasks call: claim, send through each channel, record.

Exactly once, enforced by the database and not by timing, so any number of workers, and a
task run twice (a redelivery, a retry), send each alert once:

- cooldown: a rule alerts about a pair (buy exchange and instrument → sell exchange and
  instrument) at most once per `cooldown_s`, across the pair's opportunities: its
  AlertCooldown row is claimed with a conditional update (exactly one row changed: ours);
- claim: each (rule, opportunity, channel) is claimed by inserting its AlertEvent, whose
  idempotency_key is unique: a second insert fails, and that worker sends nothing;
- a webhook's retries are further attempts of the same claim, each its own AlertEvent keyed
  `<claim key>:attempt-<n>`, claimed the same way.

Truthful, and one channel never costs another:

- an attempt's row says `sent` the moment its transport returned, before anything else;
- a failure of one channel, expected or not, is that channel's `failed` row: the other
  channels of the alert are sent all the same;
- a worker that dies mid-send leaves a `pending` row; the alert may have arrived or not, so it
  is not sent again (at most once beats twice) and the periodic sweep marks the row `unknown`
  (history.mark_abandoned). A redelivered task sends what its predecessor never claimed.

Webhooks are their own task on their own queue (`webhooks`), and at most
ALERTS_WEBHOOK_PER_USER of one user's are sent at once (webhook_slots): a slow endpoint holds
up its owner's webhooks only, never anyone's other alerts.

What is left for later (a webhook, its retry, a test alert) goes to the `AlertQueue` the caller
passes: accounts.tasks passes the Celery one. This module imports no task: the tasks import
it, never the other way round.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from accounts.alerts.messages import Alert, Kind, sample_opportunity
from accounts.alerts.transports import TRANSPORTS, Attempt, DeliveryError, Transport
from accounts.alerts.transports.in_app import push_to_user
from accounts.alerts.webhook_slots import BUSY_RETRY_S, webhook_slot
from accounts.models import AlertCooldown, AlertEvent, AlertRule
from lib import clock

logger = logging.getLogger(__name__)

Outcome = AlertEvent.Outcome
WEBHOOK = AlertEvent.Channel.WEBHOOK
# Outcomes of a run that no AlertEvent records:
DUPLICATE = "duplicate"  # claimed by another worker, or by an earlier run of this task
QUEUED = "queued"  # a webhook, handed to its own task
DEFERRED = "deferred"  # a webhook whose user had every slot busy: queued again, shortly


class AlertTestRefused(Exception):
    """A test alert that cannot be sent on that channel; the message says why, for the user."""


class AlertQueue(Protocol):
    """Where delivery hands the work it leaves for later. Either may raise the broker's errors
    (KombuError, RedisError, OSError)."""

    def webhook(self, rule_id: int, opportunity: dict, attempt: int, countdown_s: float = 0.0) -> None:
        """Attempt `attempt` of an opportunity's webhook, `countdown_s` from now."""

    def test(self, rule_id: int, channel: str, test_id: str, countdown_s: float = 0.0) -> None:
        """A test alert on one channel of a rule, `countdown_s` from now."""


def claim_key(rule_id: int, opportunity_id: uuid.UUID, channel: str) -> str:
    """The idempotency key of one alert on one channel; attempt n > 1 appends `:attempt-<n>`."""
    return f"alert:{rule_id}:{opportunity_id.hex}:{channel}"


def _rule(rule_id: int) -> AlertRule | None:
    return AlertRule.objects.select_related("user").filter(pk=rule_id).first()


# --- claims ---------------------------------------------------------------------------------
def claim_cooldown(rule: AlertRule, alert: Alert) -> bool:
    """Whether this opportunity may alert now: it takes the pair's cooldown, or already holds it."""
    now, opportunity_id = timezone.now(), alert.opportunity_id
    try:
        with transaction.atomic():
            AlertCooldown.objects.create(
                rule=rule, pair_key=alert.pair_key, last_sent_at=now, opportunity_id=opportunity_id
            )
        return True
    except IntegrityError:  # the pair alerted before (or is alerting now, on another worker)
        pass
    rows = AlertCooldown.objects.filter(rule=rule, pair_key=alert.pair_key)
    cutoff = now - timedelta(seconds=rule.cooldown_s)
    if rows.filter(last_sent_at__lte=cutoff).update(last_sent_at=now, opportunity_id=opportunity_id) == 1:
        return True
    # A second run for the same opportunity (a growth re-match, a redelivered task) goes on to
    # the per-channel claims, which let nothing through twice.
    return rows.filter(opportunity_id=opportunity_id).exists()


def _claim(rule: AlertRule, alert: Alert, channel: str, key: str, attempt: int) -> AlertEvent | None:
    """This delivery's AlertEvent, inserted as `pending`; None when someone else has it."""
    try:
        with transaction.atomic():
            return AlertEvent.objects.create(
                user_id=rule.user_id,
                rule=rule,
                opportunity_id=alert.opportunity_id,
                channel=channel,
                outcome=Outcome.PENDING,
                idempotency_key=key,
                attempt=attempt,
                test=alert.test,
            )
    except IntegrityError:
        return None


def _finish(event: AlertEvent, outcome: str, error: str = "", latency_ms: int | None = None) -> None:
    """The attempt's outcome, committed on its own at once (whatever the caller does next), and
    over an `unknown` the sweep may have written meanwhile: the truth, come late, wins."""
    with transaction.atomic():
        AlertEvent.objects.filter(pk=event.pk).update(outcome=outcome, error=error[:2000], latency_ms=latency_ms)


# --- delivering -----------------------------------------------------------------------------
def deliver(rule_id: int, opportunity: dict, queue: AlertQueue) -> dict[str, str]:
    """Tell a rule's owner about an opportunity on each channel the rule asks for, once.

    Returns channel -> outcome (sent, failed, skipped, duplicate, or, for the webhook, queued);
    {} when the rule is gone or paused, or the pair is cooling down.
    """
    rule = _rule(rule_id)
    if rule is None or not rule.active:
        return {}
    alert = Alert(Kind.OPPORTUNITY, rule.id, rule.name, opportunity)
    if not claim_cooldown(rule, alert):
        logger.debug("rule %s: %s is cooling down", rule.id, alert.pair_key)
        return {}
    outcomes = {}
    for channel, transport in TRANSPORTS.items():
        if not transport.wanted(rule):
            continue
        if channel == WEBHOOK:
            outcomes[channel] = _queue_webhook(rule.id, opportunity, queue)
        else:
            key = claim_key(rule.id, alert.opportunity_id, channel)
            outcomes[channel] = deliver_on(transport, rule, alert, key, queue=queue)
    return outcomes


def _queue_webhook(rule_id: int, opportunity: dict, queue: AlertQueue) -> str:
    try:
        queue.webhook(rule_id, opportunity, 1)
    except (KombuError, RedisError, OSError) as exc:  # the broker went away since it handed us this task
        logger.warning("webhook of rule %s not queued (%s): sending it here", rule_id, exc)
        return deliver_webhook(rule_id, opportunity, queue=queue)
    return QUEUED


def deliver_webhook(rule_id: int, opportunity: dict, attempt: int = 1, *, queue: AlertQueue) -> str:
    """Attempt `attempt` (1, 2, ...) of an opportunity's webhook delivery; the outcome."""
    rule = _rule(rule_id)
    if rule is None:
        return Outcome.SKIPPED
    alert = Alert(Kind.OPPORTUNITY, rule.id, rule.name, opportunity)

    def again() -> None:
        what = f"webhook of rule {rule_id}, attempt {attempt}"
        _queue_or_log(lambda: queue.webhook(rule_id, opportunity, attempt, BUSY_RETRY_S), what)

    key = claim_key(rule.id, alert.opportunity_id, WEBHOOK)
    return _send_webhook(rule, alert, key, attempt, again, queue)


def _send_webhook(
    rule: AlertRule, alert: Alert, delivery_id: str, number: int, again: Callable[[], None], queue: AlertQueue
) -> str:
    """One webhook attempt in one of its user's slots; with none free, `again` queues it anew."""
    with webhook_slot(rule.user_id) as free:
        if not free:
            again()
            return DEFERRED
        return deliver_on(TRANSPORTS[WEBHOOK], rule, alert, delivery_id, number, queue=queue)


def deliver_on(
    transport: Transport, rule: AlertRule, alert: Alert, delivery_id: str, number: int = 1, *, queue: AlertQueue
) -> str:
    """Claim one attempt of one delivery, send it, record the outcome; the outcome. A retried
    transport's failure queues the next attempt on `queue`."""
    key = delivery_id if number == 1 else f"{delivery_id}:attempt-{number}"
    event = _claim(rule, alert, transport.channel, key, number)
    if event is None:
        return DUPLICATE
    if reason := _why_not(transport, rule, alert):
        _finish(event, Outcome.SKIPPED, reason)
        return Outcome.SKIPPED
    try:
        transport.send(rule, alert, Attempt(key, delivery_id, number, clock.now_ms()))
    except DeliveryError as exc:
        _failed(event, transport, rule, alert, exc, queue)
        return Outcome.FAILED
    except Exception as exc:  # a bug or an error no transport foresaw: this channel's failure only
        logger.exception("alert %s: %s failed unexpectedly", key, transport.channel)
        _finish(event, Outcome.FAILED, f"unexpected error: {exc!r}")
        return Outcome.FAILED
    _finish(event, Outcome.SENT, latency_ms=alert.latency_ms(clock.now_ms()))
    if transport.retried:
        _webhook_works(rule)
    return Outcome.SENT


def _why_not(transport: Transport, rule: AlertRule, alert: Alert) -> str | None:
    if reason := transport.unavailable(rule):
        return reason
    if alert.test:  # a test goes out even on a paused rule or webhook: it is how one checks a fix
        return None
    if not rule.active:
        return "the rule was paused"
    if transport.retried and rule.webhook_paused_at is not None:
        return "the webhook is paused after failing repeatedly; resume it on the rule"
    return None


def _failed(
    event: AlertEvent, transport: Transport, rule: AlertRule, alert: Alert, error: DeliveryError, queue: AlertQueue
) -> None:
    """Record a failed attempt, then what follows: a retry later, or one more failed delivery."""
    if not transport.retried or alert.test:
        _finish(event, Outcome.FAILED, str(error))
        return
    number, attempts = event.attempt, settings.ALERTS_WEBHOOK_MAX_ATTEMPTS
    if error.retryable and number < attempts:
        delay_s = retry_delay_s(number + 1)
        _finish(event, Outcome.FAILED, f"{error} (attempt {number} of {attempts}; next in {delay_s:g} s)")
        what = f"webhook of rule {rule.id}, attempt {number + 1}"
        _queue_or_log(lambda: queue.webhook(rule.id, alert.opportunity, number + 1, delay_s), what)
        return
    _finish(event, Outcome.FAILED, f"{error} (attempt {number}; giving up)")
    _webhook_failed(rule, alert, str(error))


# --- webhook retries and pausing ------------------------------------------------------------
def retry_delay_s(attempt: int) -> float:
    """Exponential backoff before attempt 2, 3, ...: base, 2 × base, 4 × base, ..., capped."""
    return min(settings.ALERTS_WEBHOOK_RETRY_BASE_S * 2 ** max(attempt - 2, 0), settings.ALERTS_WEBHOOK_RETRY_MAX_S)


def _queue_or_log(put: Callable[[], None], what: str) -> None:
    try:
        put()
    except (KombuError, RedisError, OSError) as exc:
        logger.error("%s not queued: %s", what, exc)


def _webhook_works(rule: AlertRule) -> None:
    """A delivered webhook (or a successful test) resets the failure count and resumes it."""
    AlertRule.objects.filter(pk=rule.pk).filter(Q(webhook_failures__gt=0) | Q(webhook_paused_at__isnull=False)).update(
        webhook_failures=0, webhook_paused_at=None
    )


def _webhook_failed(rule: AlertRule, alert: Alert, error: str) -> None:
    """One more failed delivery in a row; at ALERTS_WEBHOOK_PAUSE_AFTER the webhook is paused
    and the user told, once (a conditional update decides who tells)."""
    rows = AlertRule.objects.filter(pk=rule.pk)
    rows.update(webhook_failures=F("webhook_failures") + 1)
    failures = rows.values_list("webhook_failures", flat=True).first() or 0
    if failures < settings.ALERTS_WEBHOOK_PAUSE_AFTER:
        return
    if rows.filter(webhook_paused_at__isnull=True).update(webhook_paused_at=timezone.now()) != 1:
        return
    detail = (
        f"Deliveries to the webhook {rule.webhook_url} failed {failures} times in a row (last: {error}). "
        "It is paused: fix the endpoint, then resume it on the rule (a successful test alert resumes it too)."
    )
    notice = Alert(Kind.WEBHOOK_PAUSED, rule.id, rule.name, alert.opportunity, detail=detail)
    key = f"{claim_key(rule.id, alert.opportunity_id, AlertEvent.Channel.WEBHOOK)}:paused"
    event = _claim(rule, notice, AlertEvent.Channel.WEBHOOK, key, 0)
    if event is not None:
        _finish(event, Outcome.FAILED, detail)
    text = notice.ws_text(clock.now_ms())

    def push() -> None:
        try:
            push_to_user(rule.user_id, text)
        except DeliveryError as exc:
            logger.warning("webhook-paused notice for user %s not pushed: %s", rule.user_id, exc)

    transaction.on_commit(push)


# --- test alerts ----------------------------------------------------------------------------
def queue_test_alert(rule: AlertRule, channel: str, queue: AlertQueue) -> str:
    """Queue a clearly marked test alert on one channel of a rule (after the commit; sent by a
    worker, never within the request); its id."""
    transport = TRANSPORTS.get(channel)
    if transport is None:
        raise AlertTestRefused(f"unknown channel {channel!r}; one of {', '.join(TRANSPORTS)}")
    if reason := transport.unavailable(rule):
        raise AlertTestRefused(reason)
    test_id = uuid.uuid4().hex
    what = f"test alert {test_id} of rule {rule.pk} on {channel}"
    transaction.on_commit(lambda: _queue_or_log(lambda: queue.test(rule.pk, channel, test_id), what))
    return test_id


def send_test(rule_id: int, channel: str, test_id: str | None = None, *, queue: AlertQueue) -> str:
    """Send a test alert now, about a made-up opportunity, claiming no real one; the outcome."""
    rule = _rule(rule_id)
    if rule is None or channel not in TRANSPORTS:
        return Outcome.SKIPPED
    test_id = test_id or uuid.uuid4().hex
    opportunity = sample_opportunity(clock.now_ms())
    opportunity["id"] = uuid.UUID(test_id).hex
    alert = Alert(Kind.TEST, rule.id, rule.name, opportunity)
    delivery_id = f"test:{rule.id}:{channel}:{alert.opportunity_id.hex}"
    if channel != WEBHOOK:
        return deliver_on(TRANSPORTS[channel], rule, alert, delivery_id, queue=queue)

    def again() -> None:
        what = f"test alert {test_id} of rule {rule_id} on {channel}"
        _queue_or_log(lambda: queue.test(rule_id, channel, test_id, BUSY_RETRY_S), what)

    return _send_webhook(rule, alert, delivery_id, 1, again, queue)
