"""Celery beat's schedule kept by this process: the single-process mode's periodic work.

`manage.py run_all` has no beat; this reads the same CELERY_BEAT_SCHEDULE and queues the same
tasks (lib.background: on this process's threads, never on the event loop), so retention,
the sweep of abandoned alerts, closing stale opportunities, the instrument refresh and Telegram
polling happen there as they do scaled out.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

logger = logging.getLogger(__name__)


def interval_s(schedule: object) -> float:
    """An entry's `schedule` in seconds: a number or a timedelta, as Arbsite's entries are."""
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float) and schedule > 0:
        return float(schedule)
    raise ValueError(f"only fixed intervals run in-process, not {schedule!r}: run celery beat for that")


async def run_schedule(schedule: Mapping[str, Mapping], queue: Callable[[str], None]) -> None:
    """Forever: queue each entry's task every `schedule` seconds, the first one interval
    after the start (as beat does). A task that cannot be queued is logged, and tried again
    at its next time."""
    loop = asyncio.get_running_loop()
    every = {name: interval_s(entry["schedule"]) for name, entry in schedule.items()}
    if not every:
        return
    due = {name: loop.time() + seconds for name, seconds in every.items()}
    while True:
        name = min(due, key=due.__getitem__)
        await asyncio.sleep(max(due[name] - loop.time(), 0))
        task_name = schedule[name]["task"]
        try:
            queue(task_name)
        except Exception:
            logger.exception("periodic %s (%s) not queued", name, task_name)
        # The next run one interval on; one interval from now when this one came that late (a
        # suspended laptop): never a burst of catch-up runs.
        due[name] += every[name]
        if due[name] <= loop.time():
            due[name] = loop.time() + every[name]


@functools.cache
def _registered_tasks():
    """Celery's task registry, with every app's tasks module imported (as a worker does)."""
    from arbsite.celery import app

    app.loader.import_default_modules()
    return app.tasks


def queue_celery_task(task_name: str) -> None:
    """Queue a registered Celery task by name, with no arguments."""
    from lib.background import queue_task

    queue_task(_registered_tasks()[task_name])


def check_schedule(schedule: Mapping[str, Mapping]) -> list[str]:
    """Each entry, described (`name every N s`); ValueError for one that cannot run here."""
    tasks = _registered_tasks()
    described = []
    for name, entry in schedule.items():
        if entry["task"] not in tasks:
            raise ValueError(f"periodic {name}: no task {entry['task']!r}")
        described.append(f"{name} every {interval_s(entry['schedule']):g} s")
    return described
