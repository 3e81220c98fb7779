"""Drill: a Celery worker killed (SIGKILL) right after it sent a webhook, before it could
record it. The history says what really happened: in-app sent; the webhook's arrival unknown
(never "failed": it did arrive). The unacknowledged task goes to a new worker within seconds
(TASK_REDELIVERY_AFTER_S, shortened here), and that run sends nothing twice.

Over a Redis this test starts itself (the broker holds the killed worker's task) and the test
PostgreSQL database, which the workers share with the test."""

from __future__ import annotations

import sys
import threading
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from celery import Celery
from django.conf import settings
from django.db import connection, connections

from accounts.alerts.history import ABANDONED_ERROR, mark_abandoned
from accounts.models import AlertEvent, AlertRule
from accounts.tests.alerting import opportunity
from tests.fake_servers import WebhookReceiver
from tests.processes import start
from tests.throwaway_redis import ThrowawayRedis

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKER = [sys.executable, "-m", "celery", "-A", "arbsite", "worker", "--pool=solo", "--loglevel=INFO"]
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def _rule(user, webhook_url: str) -> AlertRule:
    rule = AlertRule.objects.create(
        user=user, name="drill", min_net_spread_pct="0.2", notify_in_app=True, webhook_url=webhook_url
    )
    connections.close_all()  # sync_to_async's thread: let the test database go at the end
    return rule


def _history(rule_id: int) -> list[tuple[str, str, str]]:
    rows = sorted(AlertEvent.objects.filter(rule_id=rule_id).values_list("channel", "outcome", "error"))
    connections.close_all()
    return rows


def _queue_alert(broker_url: str, rule_id: int, found: dict) -> None:
    """As the engine does, through the broker: one deliver_alert task."""
    app = Celery("drill", broker=broker_url)
    try:
        app.send_task("accounts.tasks.deliver_alert", args=(rule_id, found), queue="celery")
    finally:
        app.close()


def _sweep() -> int:
    """The periodic sweep, with no age limit: the drill's pending row is seconds old."""
    marked = mark_abandoned(older_than=timedelta(0))
    connections.close_all()
    return marked


async def test_a_worker_killed_after_sending_leaves_a_true_history_and_a_redelivery_sends_nothing_twice(
    postgres_url, alice
):
    database_url = postgres_url.rsplit("/", 1)[0] + f"/{connection.settings_dict['NAME']}"
    answer_it = threading.Event()
    with ThrowawayRedis() as broker, WebhookReceiver(gate=answer_it) as receiver:
        env = {
            "REDIS_URL": broker.url,
            "REDIS_PREFIX": settings.REDIS_PREFIX,
            "DATABASE_URL": database_url,
            "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS": "1",  # the receiver listens on 127.0.0.1
            "ARBSITE_TASK_REDELIVERY_AFTER_S": "2",
        }
        rule = await sync_to_async(_rule)(alice, f"{receiver.url}/hook")
        first = await start("worker 1", WORKER, env)
        try:
            await first.wait_for_line(r"celery@\S+ ready", 60)
            first.drain()
            await sync_to_async(_queue_alert)(broker.url, rule.id, opportunity())
            await receiver.await_for("POST", 1, 30)  # sent, and not yet answered:
            first.process.kill()  # the worker dies before it can record it
            await first.process.wait()
        except BaseException:
            print(*first.output[-40:], sep="\n")
            raise
        answer_it.set()
        assert [row[:2] for row in await sync_to_async(_history)(rule.id)] == [
            ("in_app", "sent"),
            ("webhook", "pending"),
        ]

        second = await start("worker 2", WORKER, env)
        try:
            # The killed worker's task, redelivered: its claim is taken, so it sends nothing.
            await second.wait_for_line(r"accounts\.tasks\.deliver_webhook\[\S+\] succeeded in \S+: 'duplicate'", 60)
        except BaseException:
            print(*second.output[-40:], sep="\n")
            raise
        finally:
            await second.stop()
        assert len(receiver.calls) == 1

    assert await sync_to_async(_sweep)() == 1
    assert await sync_to_async(_history)(rule.id) == [
        ("in_app", "sent", ""),
        ("webhook", "unknown", ABANDONED_ERROR),
    ]
