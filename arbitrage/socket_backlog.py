"""How many bytes a /ws connection has written that its client has not yet taken.

The ASGI interface has no back-pressure for WebSocket sends: daphne's `send` returns at once
and the bytes wait in the Twisted transport's buffer, however slow the reader. The fan-out
reads that buffer's size to stop writing to a client that does not keep up (arbitrage.fanout).
Under another server, or in tests without a socket, the backlog is unknown and taken as 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_UNWRAP_DEPTH = 4


def _transport_of(send: Callable) -> object | None:
    """daphne's send is partial(Server.handle_reply, protocol); Channels' session middleware
    wraps it in a bound method whose object keeps the original as `real_send`."""
    for _ in range(_UNWRAP_DEPTH):
        if isinstance(send, functools.partial):
            protocol = send.args[0] if send.args else None
            return getattr(protocol, "transport", None)
        owner = getattr(send, "__self__", None)
        send = getattr(owner, "real_send", None)
        if send is None:
            return None
    return None


def backlog_reader(send: Callable) -> Callable[[], int]:
    """A function giving the connection's unsent bytes now (0 when it cannot be known)."""
    transport = _transport_of(send)
    if transport is None or not hasattr(transport, "_tempDataLen"):
        return lambda: 0

    def backlog_bytes() -> int:
        # twisted.internet.abstract.FileDescriptor keeps unsent bytes in these two places.
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    return backlog_bytes
