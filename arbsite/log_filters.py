"""Outage tracebacks from libraries, once per outage rather than once per retry.

Our own loops report an outage through `ServiceWatch` (one line when it starts, one when it
ends). Libraries do not: channels_redis's pub/sub reader logs a full traceback every second
while Redis is away, in every process. This filter, on the console handler, lets the first
traceback of an outage through, drops the ones that follow within `QUIET_S` of it (counted),
and says how many it dropped on the next one it lets through.
"""

from __future__ import annotations

import logging
import time

from lib.service_watch import outage_service

QUIET_S = 60.0


class OutageRepeats(logging.Filter):
    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.passed_at: dict[tuple[str, str], float] = {}  # (logger, service) -> monotonic s
        self.dropped: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        service = outage_service(exc) if exc is not None else None
        if service is None:
            return True
        key = (record.name, service)
        now = time.monotonic()
        passed_at = self.passed_at.get(key)
        if passed_at is not None and now - passed_at < QUIET_S:
            self.dropped[key] = self.dropped.get(key, 0) + 1
            return False
        self.passed_at[key] = now
        dropped = self.dropped.pop(key, 0)
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like this in the {QUIET_S:g} s before, not shown)"
        return True
