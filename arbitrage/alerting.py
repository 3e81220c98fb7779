"""The engine's side of alerts: the active rules it matches against, and handing matches to
the delivery tasks. Matching happens in the engine (arbitrage/rule_matching.py); delivering
(email, Telegram, webhooks, in-app) happens in Celery, never in the engine's loop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Max
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from arbitrage.rule_matching import RuleIndex, RuleSpec
from lib.background import queue_task
from lib.service_watch import ServiceWatch

logger = logging.getLogger(__name__)
# The engine retries every 0.2 s: the broker's outage is logged when it starts and ends.
broker = ServiceWatch("the Celery broker", logger)


def rules_version() -> tuple[int, str, int, str]:
    """Changes whenever a rule is added, edited or removed, or a user's own fees change."""
    from accounts.models import AlertRule, ExchangeFee

    found = AlertRule.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    fees = ExchangeFee.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return found["count"], str(found["latest"]), fees["count"], str(fees["latest"])


def load_rule_specs() -> list[RuleSpec]:
    from accounts.models import AlertRule

    return [rule_spec(rule) for rule in AlertRule.objects.filter(active=True)]


def load_own_fees() -> dict[int, dict[str, Decimal]]:
    """user id -> exchange -> their own taker fee, of the users with an active rule who set any."""
    from accounts.models import AlertRule, ExchangeFee

    owners = AlertRule.objects.filter(active=True).values("user_id")
    rows = ExchangeFee.objects.filter(user_id__in=owners, taker_fee_pct__isnull=False)
    found: dict[int, dict[str, Decimal]] = {}
    for user_id, exchange, fee in rows.values_list("user_id", "exchange", "taker_fee_pct"):
        found.setdefault(user_id, {})[exchange] = fee
    return found


def load_rule_index(admin_fee_pct: Callable[[str], Decimal]) -> RuleIndex:
    """The active rules, their owners' own fees, the admin's (the engine's) for the rest."""
    return RuleIndex(load_rule_specs(), load_own_fees(), admin_fee_pct)


def rule_spec(rule) -> RuleSpec:
    """What the engine matches of an AlertRule row."""
    return RuleSpec(
        id=rule.id,
        user_id=rule.user_id,
        instruments=frozenset(rule.instruments),
        buy_exchanges=frozenset(rule.buy_exchanges),
        sell_exchanges=frozenset(rule.sell_exchanges),
        min_net_spread_pct=rule.min_net_spread_pct,
        min_size_base=rule.min_size_base,
        min_profit_quote=rule.min_profit_quote,
        max_quote_age_ms=rule.max_quote_age_ms,
        min_edge_pct=rule.min_edge_pct,
    )


def enqueue_alerts(matches: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Queue one delivery task per (rule id, opportunity); returns what could not be queued.
    Without a broker the tasks run on this process's own threads (lib.background), so a
    slow channel never holds up the engine or the pages."""
    from accounts.tasks import deliver_alert

    for position, (rule_id, opportunity) in enumerate(matches):
        try:
            queue_task(deliver_alert, (rule_id, opportunity))
        except (KombuError, RedisError, OSError) as exc:
            broker.failed(exc, "alert deliveries wait")
            return matches[position:]
    broker.succeeded()
    return []
