"""Request rates counted in fixed windows and judged over a sliding one. Pure: no Django, no clock.

DRF's own throttle keeps every request's time in the cache and reads and rewrites that whole
list on each call: at 1,200 requests a minute, 1,200 timestamps per request. Two counters do
the job: this window's and the previous one's, the previous weighted by the share of it still
inside the last `duration` (the sliding-window estimate). A request is allowed while the
estimate is below the limit; refused requests are not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Windows:
    index: int  # the window `now` falls in: floor(now / duration)
    elapsed: float  # the share of it already gone, in [0, 1)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait_s: float  # until one more request would be allowed; 0 when allowed


def windows_at(now_s: float, duration_s: float) -> Windows:
    position = now_s / duration_s
    index = math.floor(position)
    return Windows(index, position - index)


def estimate(previous: int, current: int, elapsed: float) -> float:
    """Requests in the last `duration`: all of this window's, the overlapping share of the last's."""
    return previous * (1 - elapsed) + current


def judge(previous: int, current: int, elapsed: float, limit: int, duration_s: float) -> Verdict:
    if estimate(previous, current, elapsed) < limit:
        return Verdict(True, 0.0)
    if current >= limit:
        # Not before the next window, and then only once the previous one (this) has faded enough.
        fade = max(0.0, 1 - limit / current) if current else 0.0
        return Verdict(False, ((1 - elapsed) + fade) * duration_s)
    needed = 1 - (limit - current) / previous  # the elapsed share at which the estimate drops below
    return Verdict(False, max(needed - elapsed, 0.0) * duration_s)
