"""The end-to-end tests' name for Arbsite's commands as child processes (loadtest.processes),
which the load harness starts the same way."""

from __future__ import annotations

import websockets

from loadtest.processes import ROOT, Child, ChildFailed, daphne, free_port, log_in, manage, start

__all__ = ["ROOT", "Child", "ChildFailed", "daphne", "free_port", "log_in", "manage", "open_feed", "start"]


def open_feed(port: int, base_url: str, session_id: str, query: str = ""):
    """A /ws connection as a logged-in page opens it (its session cookie, its origin), to use as
    `async with open_feed(...) as ws`; `query`: its subscription in the URL ("?instruments=...")."""
    return websockets.connect(
        f"ws://127.0.0.1:{port}/ws{query}",
        additional_headers={"Cookie": f"sessionid={session_id}"},
        origin=base_url,
        open_timeout=10,
    )
