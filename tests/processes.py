"""The end-to-end tests' name for Arbsite's commands as child processes (loadtest.processes),
which the load harness starts the same way."""

from __future__ import annotations

from loadtest.processes import ROOT, Child, ChildFailed, daphne, free_port, log_in, manage, start

__all__ = ["ROOT", "Child", "ChildFailed", "daphne", "free_port", "log_in", "manage", "start"]
