"""Drill: a Celery worker killed (SIGKILL) right after it sent a webhook, before it could
record it. The history says what really happened: in-app sent; the webhook's arrival unknown
(never "failed": it did arrive). The unacknowledged task runs again, and that run sends nothing
twice:

- a whole worker killed (solo pool): the broker hands its task to a new worker after
  TASK_REDELIVERY_AFTER_S (shortened here), not after an hour;
- a prefork pool process killed: its worker puts the task back within seconds (reject on worker lost).

Over a Redis this test starts itself (the broker holds the killed worker's task) and the test
PostgreSQL database, which the workers share with the test."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path

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

WORKER = [sys.executable, "-m", "celery", "-A", "arbsite", "worker", "--loglevel=INFO"]
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
REDELIVERED = r"accounts\.tasks\.deliver_webhook\[\S+\] succeeded in \S+: 'duplicate'"


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


def _pool_process(worker_pid: int) -> int:
    """The one pool process a prefork worker with --concurrency=1 forked."""
    [child] = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    return int(child)


@pytest.mark.parametrize("killed", ["worker", "pool process"])
async def test_a_worker_killed_after_sending_leaves_a_true_history_and_a_rerun_sends_nothing_twice(
    postgres_url, alice, killed
):
    database_url = postgres_url.rsplit("/", 1)[0] + f"/{connection.settings_dict['NAME']}"
    worker = [*WORKER, *(["--pool=solo"] if killed == "worker" else ["--pool=prefork", "--concurrency=1"])]
    answer_it = threading.Event()
    children = []
    with ThrowawayRedis() as broker, WebhookReceiver(gate=answer_it) as receiver:
        env = {
            "REDIS_URL": broker.url,
            "REDIS_PREFIX": settings.REDIS_PREFIX,
            "DATABASE_URL": database_url,
            "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS": "1",  # the receiver listens on 127.0.0.1
            # A whole worker's task comes back after this; a pool process's must come back at
            # once, with no help from it (the default, minutes).
            "ARBSITE_TASK_REDELIVERY_AFTER_S": "2" if killed == "worker" else "360",
        }
        rule = await sync_to_async(_rule)(alice, f"{receiver.url}/hook")
        try:
            children.append(first := await start("worker 1", worker, env))
            await first.wait_for_line(r"celery@\S+ ready", 60)
            await sync_to_async(_queue_alert)(broker.url, rule.id, opportunity())
            await receiver.await_for("POST", 1, 30)  # sent, and not yet answered: killed now,
            killed_at = asyncio.get_running_loop().time()
            if killed == "worker":  # before it can record it
                first.process.kill()
                await first.process.wait()
            else:
                os.kill(_pool_process(first.process.pid), signal.SIGKILL)
            answer_it.set()
            assert [row[:2] for row in await sync_to_async(_history)(rule.id)] == [
                ("in_app", "sent"),
                ("webhook", "pending"),
            ]

            if killed == "worker":
                children.append(await start("worker 2", worker, env))
            # The killed task, run again: its claim is taken, so it sends nothing.
            await children[-1].wait_for_line(REDELIVERED, 60)
            rerun_after_s = asyncio.get_running_loop().time() - killed_at
            print(f"drill: {killed} killed; its task ran again {rerun_after_s:.1f} s later")
            assert len(receiver.calls) == 1
        except BaseException:
            for child in children:
                print(f"--- {child.name} ---", *child.output[-40:], sep="\n")
            raise
        finally:
            for child in children:
                await child.stop()

    assert await sync_to_async(_sweep)() == 1
    assert await sync_to_async(_history)(rule.id) == [
        ("in_app", "sent", ""),
        ("webhook", "unknown", ABANDONED_ERROR),
    ]
