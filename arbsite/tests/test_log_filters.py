"""A library's traceback per retry during an outage is shown once, the repeats counted."""

from __future__ import annotations

import logging

from redis.exceptions import ConnectionError as RedisConnectionError

from arbsite import log_filters
from arbsite.log_filters import OutageRepeats


def _record(exc: BaseException | None, name: str = "channels_redis.pubsub") -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, "Unexpected exception in receive task", (), exc_info)


def test_the_first_outage_traceback_passes_the_repeats_are_dropped_and_then_counted(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(log_filters.time, "monotonic", lambda: clock[0])
    repeats = OutageRepeats()
    down = RedisConnectionError("Connection refused")

    shown = [repeats.filter(_record(down)) for _ in range(10)]  # one a second for ten seconds
    clock[0] += log_filters.QUIET_S
    later = _record(down)

    assert shown == [True] + [False] * 9
    assert repeats.filter(later) is True
    assert later.getMessage().endswith("(9 more like this in the 60 s before, not shown)")


def test_other_errors_and_other_loggers_are_untouched():
    repeats = OutageRepeats()
    down = RedisConnectionError("Connection refused")

    assert repeats.filter(_record(down)) is True
    assert repeats.filter(_record(down, name="arbitrage.engine")) is True  # its own first
    assert all(repeats.filter(_record(ValueError("a bug"))) for _ in range(3))
    assert all(repeats.filter(_record(None)) for _ in range(3))
