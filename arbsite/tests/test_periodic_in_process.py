"""The single-process mode keeps celery beat's schedule itself: every entry's task is queued at
its interval, off the event loop, and it is the very task beat would have sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from accounts.models import AlertEvent
from arbsite import periodic
from lib.background import lanes


async def run_until(schedule: dict, queue, done: asyncio.Event, timeout_s: float = 10) -> None:
    runner = asyncio.create_task(periodic.run_schedule(schedule, queue))
    try:
        await asyncio.wait_for(done.wait(), timeout_s)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


async def test_each_entry_is_queued_at_its_own_interval_starting_one_interval_in():
    loop = asyncio.get_running_loop()
    started, queued, enough = loop.time(), [], asyncio.Event()

    def queue(task_name: str) -> None:
        queued.append((task_name, loop.time() - started))
        if Counter(name for name, _ in queued)["slow.task"] >= 2:
            enough.set()

    schedule = {"fast": {"task": "fast.task", "schedule": 0.05}, "slow": {"task": "slow.task", "schedule": 0.2}}
    await run_until(schedule, queue, enough)

    counts = Counter(name for name, _ in queued)
    assert counts["fast.task"] >= 2 * counts["slow.task"] >= 4
    assert min(at for name, at in queued if name == "slow.task") >= 0.2  # not at the start


async def test_a_task_that_cannot_be_queued_is_tried_again_at_its_next_time():
    calls, twice = [], asyncio.Event()

    def queue(task_name: str) -> None:
        calls.append(task_name)
        if len(calls) == 1:
            raise ConnectionError("the broker is away")
        twice.set()

    await run_until({"job": {"task": "job.task", "schedule": timedelta(milliseconds=20)}}, queue, twice)
    assert calls[:2] == ["job.task", "job.task"]


def test_the_beat_schedule_is_runnable_in_process_and_other_schedules_are_refused():
    described = periodic.check_schedule(settings.CELERY_BEAT_SCHEDULE)
    assert "close-stale-opportunities every 60 s" in described
    assert "mark-abandoned-alerts every 60 s" in described
    assert len(described) == len(settings.CELERY_BEAT_SCHEDULE)
    with pytest.raises(ValueError, match="only fixed intervals run in-process"):
        periodic.check_schedule({"nightly": {"task": "accounts.tasks.prune_alert_history", "schedule": crontab()}})
    with pytest.raises(ValueError, match=r"no task 'nowhere\.task'"):
        periodic.check_schedule({"x": {"task": "nowhere.task", "schedule": 60.0}})


@pytest.mark.django_db
def test_a_scheduled_job_runs_the_same_celery_task(alice, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(lanes, "inline", True)  # in this thread, to see it in the test's transaction
    event = AlertEvent.objects.create(
        user=alice, opportunity_id="0" * 32, channel="webhook", outcome="pending", idempotency_key="left"
    )
    AlertEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(hours=1))

    periodic.queue_celery_task(settings.CELERY_BEAT_SCHEDULE["mark-abandoned-alerts"]["task"])

    event.refresh_from_db()
    assert event.outcome == "unknown"
