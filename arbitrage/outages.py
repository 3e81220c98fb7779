"""One log line when a dependency goes away and one when it is back, however often it is retried."""

from __future__ import annotations

import logging


class OutageLog:
    def __init__(self, logger: logging.Logger, what: str) -> None:
        self.logger = logger
        self.what = what
        self.down = False
        self.failures = 0

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        if not self.down:
            self.down = True
            self.logger.warning("%s unavailable, retrying: %s", self.what, exc)

    def recovered(self) -> bool:
        """True once, on the first success after a failure."""
        if not self.down:
            return False
        self.logger.warning("%s back after %d failed attempts", self.what, self.failures)
        self.down = False
        self.failures = 0
        return True
