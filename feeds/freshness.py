"""Whether a feed is delivering, judged from the status its worker publishes (feeds.status). Pure.

A status that says "connected" proves nothing: a killed worker's last status stays in the
cache, and a stalled connection stays open. What counts is how long ago data last arrived and
how long ago the worker last reported (it does every second):

- fresh: data within the feed's expected cadence (`silent_after_ms`, per exchange: see
  `expected_cadence_ms`);
- silent: no data for longer than that, or none yet while it connects (amber);
- down: no data for longer than `down_after_ms` (the stall watchdog's timeout), disconnected
  and backing off, or a worker that stopped reporting for longer than `silent_after_ms` (red);
- not running: no worker has reported this exchange.
"""

from __future__ import annotations

from dataclasses import dataclass

FRESH = "fresh"
SILENT = "silent"
DOWN = "down"
NOT_RUNNING = "not running"

STARTING_STATES = frozenset({"starting", "loading instruments", "connecting"})


@dataclass(frozen=True)
class Freshness:
    level: str
    reason: str  # why it is not fresh, for people; empty when fresh
    last_message_age_ms: int | None


def expected_cadence_ms(site_silent_after_ms: int, max_quote_age_ms: int | None) -> int:
    """How long an exchange's feed may go without data before it counts as silent: the site's
    cadence (ARBSITE_FEED_SILENT_S), or the exchange's max quote age where an admin set it
    longer (a quiet exchange, whose quotes are still usable for that long, is not flagged early)."""
    return max(site_silent_after_ms, max_quote_age_ms or 0)


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.0f} s"


def judge_feed(status: dict | None, now_ms: int, silent_after_ms: int, down_after_ms: int) -> Freshness:
    if status is None:
        return Freshness(NOT_RUNNING, "no worker has reported this exchange", None)
    last = status.get("last_message_ms")
    age = now_ms - last if last else None
    published = status.get("published_ms")
    if published is None or now_ms - published > silent_after_ms:
        silence = f" for {_seconds(now_ms - published)}" if published else ""
        return Freshness(DOWN, f"its worker has not reported{silence}", age)
    if status.get("state") == "backoff":
        return Freshness(DOWN, "disconnected, reconnecting", age)
    if age is None:
        if status.get("state") in STARTING_STATES:
            return Freshness(SILENT, "no data yet", None)
        return Freshness(DOWN, "no data since its worker started", None)
    if age > down_after_ms:
        return Freshness(DOWN, f"no data for {_seconds(age)}", age)
    if age > silent_after_ms:
        return Freshness(SILENT, f"no data for {_seconds(age)}", age)
    return Freshness(FRESH, "", age)


OK = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "down"


def overall(levels: list[str], dependencies_ok: bool) -> str:
    """ok: every running feed fresh; degraded: some fresh, some not; down: a dependency failed
    or no feed is fresh (nothing served is live)."""
    running = [level for level in levels if level != NOT_RUNNING]
    if not dependencies_ok or FRESH not in running:
        return UNAVAILABLE
    return OK if all(level == FRESH for level in running) else DEGRADED
