"""The engine's side of alerts: the active rules it matches against, and handing matches on
to be delivered. Matching happens in the engine (arbitrage/rule_matching.py); delivering
(email, Telegram, webhooks, in-app) happens in Celery, never in the engine's loop.

The road runs one way. The engine reads the rules and their owners' fees from accounts'
models, as a page would, and hands each match (rule id, opportunity) to the one sender
registered here; accounts registers its own when Django starts (AccountsConfig.ready():
accounts.tasks.queue_alert, which queues the delivery task). So arbitrage never imports the
delivery side (accounts.tasks, accounts.alerts), which imports arbitrage's message schemas:
the same seam as /ws `execute` (arbitrage.executions). With no sender registered, matches are
dropped: nothing could deliver them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Max
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from arbitrage.rule_matching import RuleIndex, RuleSpec
from lib.service_watch import ServiceWatch

logger = logging.getLogger(__name__)
# The engine retries every 0.2 s: the broker's outage is logged when it starts and ends.
broker = ServiceWatch("the Celery broker", logger)

# (rule id, opportunity) -> None, queued; KombuError, RedisError or OSError when it cannot be.
AlertSender = Callable[[int, dict], None]

_sender: AlertSender | None = None


def register_alert_sender(sender: AlertSender | None) -> None:
    """The one sender the engine hands matched alerts to (None: none)."""
    global _sender
    _sender = sender


def alert_sender() -> AlertSender | None:
    return _sender


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
        min_depth_size_base=rule.min_depth_size_base,
        min_depth_profit_quote=rule.min_depth_profit_quote,
    )


def enqueue_alerts(matches: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Hand each (rule id, opportunity) to the registered sender; returns what could not be
    queued. Without a broker accounts' tasks run on this process's own threads
    (lib.background), so a slow channel never holds up the engine or the pages."""
    send = _sender
    if send is None:
        if matches:
            logger.warning("%d alert(s) dropped: no alert sender is registered", len(matches))
        return []
    for position, (rule_id, opportunity) in enumerate(matches):
        try:
            send(rule_id, opportunity)
        except (KombuError, RedisError, OSError) as exc:
            broker.failed(exc, "alert deliveries wait")
            return matches[position:]
    broker.succeeded()
    return []
