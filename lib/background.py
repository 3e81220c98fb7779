"""Queueing a Celery task: the one way Arbsite hands work to the background.

With a broker it is `apply_async`: a worker runs the task. Without one (the single-process
mode, CELERY_TASK_ALWAYS_EAGER) the task runs in this process, on the lane of threads named by
its Celery queue, so queues isolate here as they do across workers: webhooks (queue
`webhooks`) never hold up in-app, email and Telegram alerts (queue `celery`). Either way the
caller never waits for the task, and a countdown waits on a timer.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.conf import settings
from django.db import close_old_connections

from lib.lanes import Lanes

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "celery"
WEBHOOK_QUEUE = "webhooks"

# The single-process mode's stand-in for workers: threads per queue.
lanes = Lanes({DEFAULT_QUEUE: 4, WEBHOOK_QUEUE: 4})


def queue_task(task: Task, args: tuple = (), *, countdown_s: float = 0.0, queue: str | None = None) -> None:
    """Run `task(*args)` in the background, `countdown_s` from now, on `queue` (else the
    task's route). With a broker, its errors (KombuError, RedisError, OSError) reach the caller."""
    queue = queue or settings.CELERY_TASK_ROUTES.get(task.name, {}).get("queue", DEFAULT_QUEUE)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        task.apply_async(args, countdown=countdown_s or None, queue=queue)
        return
    lanes.submit(queue, partial(_run_here, task, tuple(args)), countdown_s)


def _run_here(task: Task, args: tuple) -> None:
    """One task on a lane thread; its failure is raised to the lane, which logs it."""
    try:
        task.apply(args=args, throw=True)
    finally:
        if not lanes.inline:
            # A lane's thread lives on: let its database connection go, as a worker does
            # after each task (inline, the caller's connection is the caller's business).
            close_old_connections()
