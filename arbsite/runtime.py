"""Running long-lived asyncio components from management commands, stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine


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
