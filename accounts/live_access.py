"""Every open /ws connection of a process re-checked together, every settings.WS_RECHECK_S.

Logout, password changes and deactivations made through Django close connections at once
(accounts.live_connections); this catches the rest (a session deleted, a change made in SQL,
a token's user gone). Checked one connection at a time this was measured at 11 % of a core
for 1,000 connections (a query or two and a thread hop each); together it is two queries a
round for the whole process (accounts.ws_auth.refusals).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from accounts.ws_auth import AccessClaim, refusals

logger = logging.getLogger(__name__)

CHECK_BATCH = 500  # claims per query round: bounded IN lists


@dataclass(eq=False)
class WatchedAccess:
    claim: AccessClaim
    refused: Callable[[str], Awaitable[None]]  # ends the connection, saying why


class AccessWatch:
    def __init__(self) -> None:
        self.watched: set[WatchedAccess] = set()
        self.task: asyncio.Task | None = None

    def add(self, access: WatchedAccess) -> None:
        self.watched.add(access)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._check_forever())

    def discard(self, access: WatchedAccess) -> None:
        self.watched.discard(access)
        if not self.watched and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _check_forever(self) -> None:
        while self.watched:
            await asyncio.sleep(settings.WS_RECHECK_S)
            try:
                await self.check_all()
            except DatabaseError as exc:
                # Nobody is closed on a guess; the next round checks again.
                logger.warning("open /ws connections not re-checked: %s", exc)

    async def check_all(self) -> None:
        watched = list(self.watched)
        for start in range(0, len(watched), CHECK_BATCH):
            batch = watched[start : start + CHECK_BATCH]
            reasons = await database_sync_to_async(refusals)([access.claim for access in batch])
            for access, reason in zip(batch, reasons, strict=True):
                if reason is not None and access in self.watched:
                    self.discard(access)
                    await access.refused(reason)


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AccessWatch] = weakref.WeakKeyDictionary()


def access_watch() -> AccessWatch:
    """The running event loop's watch (one per process in practice)."""
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = AccessWatch()
    return watch
