"""Lanes: a small thread pool per name, with timers for delayed jobs, that can be waited for
and stopped. What Celery workers on separate queues are, inside one process; no Django here.

Work on one lane never waits behind another lane's: slow webhooks on theirs, every other
alert on its own. Jobs are plain callables; a job's exception is logged, never lost silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)

Job = Callable[[], object]


class Lanes:
    def __init__(self, threads: dict[str, int]) -> None:
        self.threads = dict(threads)
        # Tests: run each job in the caller's thread instead (see _run_inline).
        self.inline = False
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._timers: set[threading.Timer] = set()
        self._generation = 0  # bumped by shutdown: timers of an earlier one drop their job
        self._outstanding = 0  # queued, waiting on a timer, or running
        self._running = 0
        self._changed = threading.Condition()
        self._local = threading.local()

    def submit(self, lane: str, job: Job, delay_s: float = 0.0) -> None:
        """Run `job` on `lane`'s threads, after `delay_s` seconds (on a timer, not the caller)."""
        if lane not in self.threads:
            raise ValueError(f"no lane {lane!r}; one of {', '.join(self.threads)}")
        if self.inline:
            self._run_inline(job)
            return
        with self._changed:
            self._outstanding += 1
            if delay_s <= 0:
                self._pool(lane).submit(self._run, job)
                return
            timer = threading.Timer(delay_s, self._from_timer, (lane, job, self._generation))
            timer.daemon = True  # a waiting retry never keeps a stopping process alive
            timer.name = f"{lane}-timer"
            self._timers.add(timer)
        timer.start()

    def wait_idle(self, timeout_s: float) -> bool:
        """Whether every job submitted so far ended within `timeout_s` (timers included)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._outstanding == 0, timeout_s)

    def shutdown(self) -> int:
        """Drop what waits (queued jobs, timers); running jobs end on their own, unwaited.
        How many were running. The lanes take new jobs again afterwards."""
        with self._changed:
            pools, self._pools = self._pools, {}
            timers, self._timers = self._timers, set()
            self._generation += 1
            self._outstanding = self._running
            self._changed.notify_all()
            running = self._running
        for timer in timers:
            timer.cancel()
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        return running

    # --- internals ---------------------------------------------------------------------------
    def _pool(self, lane: str) -> ThreadPoolExecutor:
        """The lane's pool, started on first use; call with the lock held."""
        pool = self._pools.get(lane)
        if pool is None:
            pool = self._pools[lane] = ThreadPoolExecutor(self.threads[lane], thread_name_prefix=lane)
        return pool

    def _from_timer(self, lane: str, job: Job, generation: int) -> None:
        with self._changed:
            self._timers.discard(threading.current_thread())  # type: ignore[arg-type]
            if generation == self._generation:
                self._pool(lane).submit(self._run, job)

    def _run(self, job: Job) -> None:
        with self._changed:
            self._running += 1
        try:
            job()
        except Exception:
            logger.exception("background job %r failed", job)
        finally:
            with self._changed:
                self._running -= 1
                self._outstanding = max(self._outstanding - 1, 0)
                self._changed.notify_all()

    def _run_inline(self, job: Job) -> None:
        """Jobs in the caller's thread, in order: one submitted by a running job runs after it,
        as a queue would have it; delays are not waited."""
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            pending.append(job)
            return
        self._local.pending = pending = [job]
        try:
            while pending:
                pending.pop(0)()
        finally:
            self._local.pending = None
