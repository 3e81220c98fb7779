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

A worker that dies between claiming and sending leaves a `pending` row: that alert is not sent
(at most once beats twice); the periodic prune marks such rows failed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from accounts.alerts.messages import Alert, Kind, sample_opportunity
from accounts.alerts.transports import TRANSPORTS, Attempt, DeliveryError, Transport
from accounts.alerts.transports.in_app import push_to_user
from accounts.models import AlertCooldown, AlertEvent, AlertRule

logger = logging.getLogger(__name__)

Outcome = AlertEvent.Outcome
DUPLICATE = "duplicate"  # claimed by another worker, or by an earlier run of this task


class AlertTestRefused(Exception):
    """A test alert that cannot be sent on that channel; the message says why, for the user."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


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
    AlertEvent.objects.filter(pk=event.pk).update(outcome=outcome, error=error[:2000], latency_ms=latency_ms)


# --- delivering -----------------------------------------------------------------------------
def deliver(rule_id: int, opportunity: dict) -> dict[str, str]:
    """Tell a rule's owner about an opportunity on each channel the rule asks for, once.

    Returns channel -> outcome (sent, failed, skipped, or duplicate); {} when the rule is gone
    or paused, or the pair is cooling down.
    """
    rule = _rule(rule_id)
    if rule is None or not rule.active:
        return {}
    alert = Alert(Kind.OPPORTUNITY, rule.id, rule.name, opportunity)
    if not claim_cooldown(rule, alert):
        logger.debug("rule %s: %s is cooling down", rule.id, alert.pair_key)
        return {}
    return {
        channel: deliver_on(transport, rule, alert, claim_key(rule.id, alert.opportunity_id, channel))
        for channel, transport in TRANSPORTS.items()
        if transport.wanted(rule)
    }


def retry_webhook(rule_id: int, opportunity: dict, attempt: int) -> str:
    """Attempt `attempt` (2, 3, ...) of an opportunity's webhook delivery."""
    rule = _rule(rule_id)
    if rule is None:
        return Outcome.SKIPPED
    alert = Alert(Kind.OPPORTUNITY, rule.id, rule.name, opportunity)
    channel = AlertEvent.Channel.WEBHOOK
    return deliver_on(TRANSPORTS[channel], rule, alert, claim_key(rule.id, alert.opportunity_id, channel), attempt)


def deliver_on(transport: Transport, rule: AlertRule, alert: Alert, delivery_id: str, number: int = 1) -> str:
    """Claim one attempt of one delivery, send it, record the outcome; the outcome."""
    key = delivery_id if number == 1 else f"{delivery_id}:attempt-{number}"
    event = _claim(rule, alert, transport.channel, key, number)
    if event is None:
        return DUPLICATE
    if reason := _why_not(transport, rule, alert):
        _finish(event, Outcome.SKIPPED, reason)
        return Outcome.SKIPPED
    try:
        transport.send(rule, alert, Attempt(key, delivery_id, number, now_ms()))
    except DeliveryError as exc:
        _failed(event, transport, rule, alert, exc)
        return Outcome.FAILED
    _finish(event, Outcome.SENT, latency_ms=alert.latency_ms(now_ms()))
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


def _failed(event: AlertEvent, transport: Transport, rule: AlertRule, alert: Alert, error: DeliveryError) -> None:
    """Record a failed attempt, then what follows: a retry later, or one more failed delivery."""
    if not transport.retried or alert.test:
        _finish(event, Outcome.FAILED, str(error))
        return
    number, attempts = event.attempt, settings.ALERTS_WEBHOOK_MAX_ATTEMPTS
    if error.retryable and number < attempts:
        delay_s = retry_delay_s(number + 1)
        _finish(event, Outcome.FAILED, f"{error} (attempt {number} of {attempts}; next in {delay_s:g} s)")
        _schedule_webhook_retry(rule.id, alert.opportunity, number + 1, delay_s)
        return
    _finish(event, Outcome.FAILED, f"{error} (attempt {number}; giving up)")
    _webhook_failed(rule, alert, str(error))


# --- webhook retries and pausing ------------------------------------------------------------
def retry_delay_s(attempt: int) -> float:
    """Exponential backoff before attempt 2, 3, ...: base, 2 × base, 4 × base, ..., capped."""
    return min(settings.ALERTS_WEBHOOK_RETRY_BASE_S * 2 ** max(attempt - 2, 0), settings.ALERTS_WEBHOOK_RETRY_MAX_S)


def _schedule_webhook_retry(rule_id: int, opportunity: dict, attempt: int, delay_s: float) -> None:
    from accounts.tasks import retry_webhook as task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Eager, apply_async would run it at once, ignoring the countdown: wait on a timer
        # thread instead (never on the engine's loop). A zero delay (tests) runs it now.
        _run_later(delay_s, lambda: task.apply(args=(rule_id, opportunity, attempt)))
        return
    try:
        task.apply_async((rule_id, opportunity, attempt), countdown=delay_s)
    except (KombuError, RedisError, OSError) as exc:
        logger.error("webhook retry %d of rule %s not queued: %s", attempt, rule_id, exc)


def _run_later(delay_s: float, run: Callable[[], object]) -> None:
    if delay_s <= 0:
        run()
        return

    def run_then_close() -> None:
        try:
            run()
        finally:
            connections.close_all()  # this thread's own; it ends here

    timer = threading.Timer(delay_s, run_then_close)
    timer.daemon = True
    timer.start()


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
    text = notice.ws_text(now_ms())

    def push() -> None:
        try:
            push_to_user(rule.user_id, text)
        except DeliveryError as exc:
            logger.warning("webhook-paused notice for user %s not pushed: %s", rule.user_id, exc)

    transaction.on_commit(push)


# --- test alerts ----------------------------------------------------------------------------
def queue_test_alert(rule: AlertRule, channel: str) -> str:
    """Queue a clearly marked test alert on one channel of a rule (after the commit); its id."""
    from accounts.tasks import send_test_alert

    transport = TRANSPORTS.get(channel)
    if transport is None:
        raise AlertTestRefused(f"unknown channel {channel!r}; one of {', '.join(TRANSPORTS)}")
    if reason := transport.unavailable(rule):
        raise AlertTestRefused(reason)
    test_id = uuid.uuid4().hex
    transaction.on_commit(lambda: send_test_alert.delay(rule.pk, channel, test_id))
    return test_id


def send_test(rule_id: int, channel: str, test_id: str | None = None) -> str:
    """Send a test alert now, about a made-up opportunity, claiming no real one; the outcome."""
    rule = _rule(rule_id)
    if rule is None or channel not in TRANSPORTS:
        return Outcome.SKIPPED
    opportunity = sample_opportunity(now_ms())
    if test_id:
        opportunity["id"] = uuid.UUID(test_id).hex
    alert = Alert(Kind.TEST, rule.id, rule.name, opportunity)
    return deliver_on(TRANSPORTS[channel], rule, alert, f"test:{rule.id}:{channel}:{alert.opportunity_id.hex}")
