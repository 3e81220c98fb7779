"""The time now in milliseconds since the epoch: how quotes (`ts_ms`, `recv_ms`), statuses and
opportunities stamp time everywhere. Pure: no Django."""

from __future__ import annotations

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
