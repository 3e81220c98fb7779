"""The deadlines one exchange connection must keep, whichever wire it speaks. Pure: the caller
passes the time (time.monotonic() in the session, made-up seconds in tests).

- Data: a frame with quotes at least every `stall_timeout_s`.
- Heartbeat, one of two kinds, as the exchange's docs ask:
  the client pings every `heartbeat_interval_s` and the exchange must answer within
  `heartbeat_timeout_s` of the oldest ping still unanswered (pongs carry no ping id, so any
  pong answers every ping before it); or, when the client does not ping, the exchange's own
  heartbeat (a ping frame, a heartbeat message) must come at least every `heartbeat_timeout_s`.
- Lifetime: a planned reconnect before the server's own limit, every `lifetime_s`.
"""

from __future__ import annotations

from dataclasses import dataclass

STALLED = "stalled"
NO_HEARTBEAT = "no heartbeat"


@dataclass(frozen=True)
class Missed:
    """A deadline the connection did not keep: which kind, and what to tell whoever looks."""

    kind: str  # STALLED or NO_HEARTBEAT
    reason: str


class ConnectionDeadlines:
    def __init__(
        self,
        opened_s: float,
        *,
        stall_timeout_s: float,
        heartbeat_interval_s: float | None = None,
        heartbeat_timeout_s: float | None = None,
        lifetime_s: float | None = None,
    ) -> None:
        self.opened_s = opened_s
        self.stall_timeout_s = stall_timeout_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.lifetime_s = lifetime_s
        self.last_data_s = opened_s
        self.last_heartbeat_s = opened_s  # the server's heartbeat is due one timeout after opening
        self.unanswered_since_s: float | None = None  # our oldest ping without a pong after it
        self.next_ping_s = opened_s + heartbeat_interval_s if heartbeat_interval_s else None

    @property
    def tick_s(self) -> float:
        """How often to look: a deadline is noticed at most a quarter of its length late."""
        periods = [1.0, self.stall_timeout_s / 4]
        if self.heartbeat_interval_s:
            periods.append(self.heartbeat_interval_s)
        if self.heartbeat_timeout_s:
            periods.append(self.heartbeat_timeout_s / 4)
        return min(periods)

    def data_arrived(self, now_s: float) -> None:
        self.last_data_s = now_s

    def heartbeat_arrived(self, now_s: float) -> None:
        """A pong, or the exchange's own ping or heartbeat message."""
        self.last_heartbeat_s = now_s
        self.unanswered_since_s = None

    def ping_due(self, now_s: float) -> bool:
        """Whether to send our heartbeat now; True counts it as sent."""
        if self.next_ping_s is None or now_s < self.next_ping_s:
            return False
        self.next_ping_s = now_s + self.heartbeat_interval_s
        if self.unanswered_since_s is None:
            self.unanswered_since_s = now_s
        return True

    def missed(self, now_s: float) -> Missed | None:
        if now_s - self.last_data_s > self.stall_timeout_s:
            return Missed(STALLED, f"stalled: no data for {self.stall_timeout_s:g} s")
        timeout_s = self.heartbeat_timeout_s
        if timeout_s is None:
            return None
        if self.heartbeat_interval_s:
            if self.unanswered_since_s is not None and now_s - self.unanswered_since_s > timeout_s:
                return Missed(NO_HEARTBEAT, f"no pong within {timeout_s:g} s of a ping")
        elif now_s - self.last_heartbeat_s > timeout_s:
            return Missed(NO_HEARTBEAT, f"no heartbeat from the exchange for {timeout_s:g} s")
        return None

    def lifetime_over(self, now_s: float) -> bool:
        return bool(self.lifetime_s) and now_s - self.opened_s > self.lifetime_s
