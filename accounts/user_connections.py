"""One user's open /ws connections, as the consumer sets them up and pushes reach them.

Every connection of a user joins one channel-layer group. The in-memory layer (the
single-process mode) is one process's queues, awaited on the loop that serves /ws; pushes
from other threads (alert tasks, a save that ends access) hand their send to that loop.
arbitrage.consumers calls in here when a connection authenticates; accounts' senders
(accounts.alerts.transports.in_app) read it. Neither imports the other.
"""

from __future__ import annotations

import asyncio

_home_loop: asyncio.AbstractEventLoop | None = None


def user_group(user_id: int) -> str:
    """The channel-layer group every open /ws connection of one user joins."""
    return f"user.{user_id}"


def remember_event_loop() -> None:
    """Called by each /ws connection: the loop in-process pushes must run on."""
    global _home_loop
    _home_loop = asyncio.get_running_loop()


def home_loop() -> asyncio.AbstractEventLoop | None:
    """The loop the last /ws connection was served on, if any."""
    return _home_loop
