"""The seam through which /ws executes a pair, without arbitrage importing who fills it.

paper/ sits after arbitrage/ on the road (it reads the quote cache and the message schemas),
so the consumer importing paper would bend the road back on itself and make an import cycle.
Instead the app that can fill an `execute` message registers one handler here when Django
starts (paper does in PaperConfig.ready()); a live executor would register its own the same
way. The handler is synchronous, because it works in the database: the consumer calls it
through database_sync_to_async, off the event loop. With no handler registered, /ws answers
`execute` with an error.

The same app may register a handler for each user whose connection starts (paper loads the
user's active-user entry, so that their first execution reads no database before its fill).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arbitrage.messages import Error, Execute, Execution

ExecuteHandler = Callable[[Any, Execute], Execution | Error]  # (user, message) -> the reply
ConnectHandler = Callable[[Any], None]  # (user)

_handler: ExecuteHandler | None = None
_connect_handler: ConnectHandler | None = None


def register_execute_handler(handler: ExecuteHandler | None) -> None:
    """The one handler /ws hands `execute` messages to (None: none)."""
    global _handler
    _handler = handler


def execute_handler() -> ExecuteHandler | None:
    return _handler


def register_connect_handler(handler: ConnectHandler | None) -> None:
    """The one handler each authenticated /ws connection's user is handed to (None: none)."""
    global _connect_handler
    _connect_handler = handler


def connect_handler() -> ConnectHandler | None:
    return _connect_handler
