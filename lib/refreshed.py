"""A value computed at most so often per process, once for everyone who asks meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Refreshed(Generic[T]):
    """`compute()`'s result, kept for `max_age_s()` seconds. Callers arriving while it is being
    computed wait for that computation instead of starting their own; a failure reaches every
    one of them and is not kept."""

    def __init__(self, compute: Callable[[], Awaitable[T]], max_age_s: Callable[[], float]) -> None:
        self.compute = compute
        self.max_age_s = max_age_s
        self.forget()

    def forget(self) -> None:
        self.value: T | None = None
        self.computed_at = float("-inf")  # monotonic s, when the kept value's computation started
        self.computing: asyncio.Future | None = None

    async def get(self) -> T:
        if time.monotonic() - self.computed_at < self.max_age_s():
            return self.value
        computing = self.computing
        if computing is None or computing.get_loop() is not asyncio.get_running_loop():
            computing = self.computing = asyncio.ensure_future(self._compute())
        return await asyncio.shield(computing)

    async def _compute(self) -> T:
        started = time.monotonic()
        try:
            value = await self.compute()
        finally:
            self.computing = None
        self.value, self.computed_at = value, started
        return value
