"""The engine's side of alerts: the active rules it matches against, and handing matches to
the delivery tasks. Matching happens in the engine (arbitrage/rule_matching.py); delivering
(email, Telegram, webhooks, in-app) happens in Celery, never in the engine's loop."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Count, Max
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from arbitrage.rule_matching import RuleSpec
from arbsite.service_watch import ServiceWatch

logger = logging.getLogger(__name__)
# The engine retries every 0.2 s: the broker's outage is logged when it starts and ends.
broker = ServiceWatch("the Celery broker", logger)

# Without a broker (the embedded mode) tasks run in this process: on their own threads, so a
# slow webhook never holds up the engine or the pages.
_eager_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="alerts")


def rules_version() -> tuple[int, str]:
    """Changes whenever a rule is added, edited or removed."""
    from accounts.models import AlertRule

    found = AlertRule.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return found["count"], str(found["latest"])


def load_rule_specs() -> list[RuleSpec]:
    from accounts.models import AlertRule

    return [
        RuleSpec(
            id=rule.id,
            user_id=rule.user_id,
            instruments=frozenset(rule.instruments),
            buy_exchanges=frozenset(rule.buy_exchanges),
            sell_exchanges=frozenset(rule.sell_exchanges),
            min_net_spread_pct=rule.min_net_spread_pct,
            min_size_base=rule.min_size_base,
            min_profit_quote=rule.min_profit_quote,
            max_quote_age_ms=rule.max_quote_age_ms,
        )
        for rule in AlertRule.objects.filter(active=True)
    ]


def _run_in_process(task, args: tuple) -> None:
    """An alert task on an eager-pool thread; its database connection is let go after, as a
    Celery worker does (a pool thread lives on, and would keep it open for good)."""
    try:
        task.apply(args=args)
    finally:
        close_old_connections()


def enqueue_alerts(matches: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Queue one delivery task per (rule id, opportunity); returns what could not be queued."""
    from accounts.tasks import deliver_alert

    for position, (rule_id, opportunity) in enumerate(matches):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            _eager_pool.submit(_run_in_process, deliver_alert, (rule_id, opportunity))
            continue
        try:
            deliver_alert.delay(rule_id, opportunity)
        except (KombuError, RedisError, OSError) as exc:
            broker.failed(exc, "alert deliveries wait")
            return matches[position:]
    broker.succeeded()
    return []
