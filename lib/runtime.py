"""Running long-lived asyncio components from management commands, stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Coroutine

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 3.0  # for what a stopped server left on its loop to end
EXIT_DEADLINE_S = 5.0  # then for the interpreter to exit


def run_until_stopped(main: Coroutine) -> None:
    """Run `main` until it ends or SIGINT/SIGTERM arrives; then cancel it and return."""

    async def runner() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await main

    asyncio.run(runner())


def wind_down(loop: asyncio.AbstractEventLoop, grace_s: float = SHUTDOWN_GRACE_S) -> int:
    """After a server stopped its loop (daphne, on SIGTERM): cancel every task still on it and
    run the loop until they have ended, within `grace_s`. How many tasks were cancelled.

    Daphne cancels the requests in flight and stops the loop at once. That strands work: a
    sync middleware or view on an asgiref thread waits for a coroutine it handed to the loop,
    which no longer runs, and at exit the interpreter waits for that thread forever. Run a
    little longer, the loop finishes those coroutines (cancelled), and the threads are free.
    """
    deadline = time.monotonic() + grace_s
    cancelled = 0
    # Again while tasks remain: a thread set free may hand the loop one more coroutine.
    while (tasks := [task for task in asyncio.all_tasks(loop) if not task.done()]) and time.monotonic() < deadline:
        for task in tasks:
            task.cancel()
        cancelled += len(tasks)
        loop.run_until_complete(asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0.01)))
        for task in tasks:  # a request that ended aborted rather than cancelled is no error now
            if task.done() and not task.cancelled():
                task.exception()
    if tasks:
        logger.warning("%d tasks still running %.0f s after the server stopped", len(tasks), grace_s)
    loop.run_until_complete(loop.shutdown_asyncgens())
    return cancelled


def exit_within(timeout_s: float = EXIT_DEADLINE_S) -> None:
    """From now on the process ends within `timeout_s`: should the interpreter still be waiting
    for a thread then (a send stuck past its timeouts), it names them and exits anyway."""

    def exit_now() -> None:
        main = threading.main_thread()
        waiting = [thread.name for thread in threading.enumerate() if not thread.daemon and thread is not main]
        logger.warning("still waiting for threads %s %.0f s after stopping: exiting anyway", waiting, timeout_s)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    watchdog = threading.Timer(timeout_s, exit_now)
    watchdog.daemon = True  # a normal exit does not wait for it
    watchdog.name = "exit-watchdog"
    watchdog.start()
