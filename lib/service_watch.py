"""A service (Redis, the database, the broker) as its callers see it, logged on transitions only.

A loop that retries every 0.2 s, or every request while a server is down, would log a warning
each time. `ServiceWatch` logs one warning when a service goes, one line when it is back with
how long it was gone and how many failures were counted meanwhile, and nothing in between.
"""

from __future__ import annotations

import logging
import threading
import time

import redis.exceptions
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError  # Celery's broker (Redis here) out of reach

PROBE_INTERVAL_S = 1.0  # while a service is down, check it at most this often

REDIS = "Redis"
DATABASE = "the database"


def outage_service(exc: BaseException) -> str | None:
    """Which service `exc` says is out of reach, or None for any other error."""
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError | BrokerError):
        return REDIS
    if isinstance(exc, OperationalError | InterfaceError):
        return DATABASE
    return None


def is_outage(exc: BaseException) -> bool:
    return outage_service(exc) is not None


class ServiceWatch:
    """One service's availability as its callers see it, logged on transitions only."""

    def __init__(self, name: str, log: logging.Logger) -> None:
        self.name = name
        self.log = log
        self.down_since: float | None = None  # monotonic s
        self.failures = 0
        self.last_probe = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException, effect: str = "") -> None:
        """Count a failure; the first of an outage is logged, with its `effect` if given."""
        with self._lock:
            self.failures += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        effect = f": {effect}" if effect else ""
        self.log.warning("%s is unavailable (%s)%s; counting failures until it is back", self.name, exc, effect)

    def succeeded(self) -> None:
        if self.down_since is None:  # the common case, without the lock: hot loops call this
            return
        with self._lock:
            if self.down_since is None:
                return
            gone_s, failures = time.monotonic() - self.down_since, self.failures
            self.down_since, self.failures = None, 0
        self.log.warning("%s is available again after %.1f s; %d failures meanwhile", self.name, gone_s, failures)

    def probe_due(self) -> bool:
        """Whether to check a down service now (at most once per PROBE_INTERVAL_S)."""
        with self._lock:
            now = time.monotonic()
            if self.down_since is None or now - self.last_probe < PROBE_INTERVAL_S:
                return False
            self.last_probe = now
            return True
