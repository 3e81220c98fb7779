"""Reconnect delays: exponential, capped, jittered so a fleet of workers never reconnects in step."""

from __future__ import annotations

import random


def backoff_delay_s(attempt: int, initial_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay before reconnect number `attempt` (0-based): half fixed, half random ("equal jitter")."""
    ceiling = min(max_s, initial_s * (2 ** min(attempt, 32)))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
