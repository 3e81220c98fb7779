"""Live per-exchange feed status, kept in the cache where the web tier reads it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from lib import clock

# A worker that stops reporting (killed) leaves its last status behind, judged down by its age
# (feeds.freshness) for a day rather than vanishing as if it had never run.
STATUS_TTL_S = 86400
# Present while any worker streams from the simulator: every page then says so.
SIMULATED_KEY = "feeds:simulated"


def status_key(exchange_id: str) -> str:
    return f"feeds:status:{exchange_id}"


@dataclass
class FeedStatus:
    exchange: str
    state: str = "starting"  # starting, connecting, connected, backoff, stopped; idle (depth: none wanted)
    url: str = ""
    connected_since_ms: int | None = None
    last_message_ms: int | None = None
    messages: int = 0
    quotes: int = 0
    frame_errors: int = 0
    unknown_symbols: int = 0
    reconnects: int = 0
    heartbeat_timeouts: int = 0  # connections replaced because the exchange's heartbeat was late
    last_error: str = ""
    last_error_ms: int | None = None
    subscribed: int = 0
    latency_ms: float | None = None  # receive time minus exchange time, last quote
    messages_per_s: float = 0.0
    _rate_mark: tuple[float, int] = field(default=(0.0, 0), repr=False)

    def record_error(self, message: str) -> None:
        self.last_error = message[:500]
        self.last_error_ms = clock.now_ms()

    def snapshot(self) -> dict:
        """A plain dict for the cache, with messages/s since the previous snapshot."""
        now = time.monotonic()
        mark_time, mark_count = self._rate_mark
        if mark_time:
            self.messages_per_s = round((self.messages - mark_count) / max(now - mark_time, 1e-6), 1)
        self._rate_mark = (now, self.messages)
        data = asdict(self)
        data.pop("_rate_mark")
        data["published_ms"] = clock.now_ms()
        return data


_SUMMED = (
    "messages",
    "quotes",
    "frame_errors",
    "unknown_symbols",
    "reconnects",
    "heartbeat_timeouts",
    "subscribed",
    "messages_per_s",
)


def merge_snapshots(snapshots: list[dict]) -> dict:
    """One exchange's status from the snapshots of its connections."""
    if len(snapshots) == 1:
        return {**snapshots[0], "connections": 1}
    merged = dict(snapshots[0])
    for name in _SUMMED:
        merged[name] = sum(s[name] for s in snapshots)
    merged["messages_per_s"] = round(merged["messages_per_s"], 1)
    states = {s["state"] for s in snapshots}
    merged["state"] = states.pop() if len(states) == 1 else "degraded"
    merged["last_message_ms"] = max((s["last_message_ms"] or 0 for s in snapshots), default=0) or None
    connected = [s["connected_since_ms"] for s in snapshots if s["connected_since_ms"]]
    merged["connected_since_ms"] = min(connected) if connected else None
    latest_error = max(snapshots, key=lambda s: s["last_error_ms"] or 0)
    merged["last_error"], merged["last_error_ms"] = latest_error["last_error"], latest_error["last_error_ms"]
    merged["connections"] = len(snapshots)
    return merged
