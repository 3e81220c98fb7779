"""Open-loop request timing: when each request is due, whatever happened to the ones before.

A closed-loop client (send, wait, send) slows down with the server and so never sees the
queue it would have built: coordinated omission. Here request k of a generator is due at a
fixed time, its latency counts from that time, and a late server therefore shows up as
latency rather than as a lower request rate. Several generator processes share one rate by
interleaving: with P processes, process i sends requests i, i + P, i + 2P, ... of the joint
schedule.
"""

from __future__ import annotations

from collections.abc import Iterator


def due_offsets_s(rate_per_s: float, process_index: int = 0, processes: int = 1) -> Iterator[float]:
    """Seconds from the shared start at which this process's requests are due, forever."""
    if rate_per_s <= 0:
        raise ValueError("rate_per_s must be positive")
    if not 0 <= process_index < processes:
        raise ValueError("process_index must be in [0, processes)")
    interval_s = 1 / rate_per_s
    k = process_index
    while True:
        yield k * interval_s
        k += processes
