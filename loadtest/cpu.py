"""CPU time per process and for the whole machine, from /proc (Linux).

A process's CPU % is the share of one core it used over a window: 100 % is one core busy
the whole time, 200 % both cores of a 2-core machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def parse_process_stat(text: str) -> float:
    """User + system CPU seconds from the text of /proc/<pid>/stat."""
    # The command name (field 2) may contain spaces and parentheses: fields count from the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS_PER_S


def parse_machine_stat(text: str) -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores together, from the text of /proc/stat."""
    values = [int(v) for v in text.splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLOCK_TICKS_PER_S, total / CLOCK_TICKS_PER_S


def parse_rss_mb(status_text: str) -> float | None:
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def process_cpu_s(pid: int) -> float | None:
    """None once the process is gone."""
    try:
        return parse_process_stat((PROC / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None


def process_rss_mb(pid: int) -> float | None:
    try:
        return parse_rss_mb((PROC / str(pid) / "status").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None


def machine_cpu_s() -> tuple[float, float]:
    return parse_machine_stat((PROC / "stat").read_text())


def load_average() -> list[float]:
    return [float(v) for v in (PROC / "loadavg").read_text().split()[:3]]


def cpu_pct(before_s: float, after_s: float, wall_s: float) -> float:
    return round((after_s - before_s) / wall_s * 100, 1) if wall_s > 0 else 0.0


@dataclass
class Watched:
    name: str
    role: str  # "server" (the system under test), "client" (load) or "harness"
    pid: int


class CpuWindow:
    """CPU used by each watched process, and by the machine, between `open()` and `close()`."""

    def __init__(self, processes: list[Watched]) -> None:
        self.processes = processes
        self._before: dict[int, float | None] = {}
        self._machine_before = (0.0, 0.0)
        self._load_before: list[float] = []

    def open(self, now_s: float) -> None:
        self._opened_s = now_s
        self._before = {p.pid: process_cpu_s(p.pid) for p in self.processes}
        self._machine_before = machine_cpu_s()
        self._load_before = load_average()

    def close(self, now_s: float) -> dict:
        wall_s = now_s - self._opened_s
        rows = []
        for process in self.processes:
            before, after = self._before.get(process.pid), process_cpu_s(process.pid)
            rows.append(
                {
                    "name": process.name,
                    "role": process.role,
                    "pid": process.pid,
                    "cpu_pct": None if before is None or after is None else cpu_pct(before, after, wall_s),
                    "rss_mb": process_rss_mb(process.pid),
                }
            )
        busy_before, total_before = self._machine_before
        busy_after, total_after = machine_cpu_s()
        total = total_after - total_before
        busy_pct = round((busy_after - busy_before) / total * 100, 1) if total > 0 else None
        cores = os.cpu_count()
        ours_pct = sum(row["cpu_pct"] or 0 for row in rows) / cores
        return {
            "window_s": round(wall_s, 3),
            "processes": rows,
            "machine": {
                "cores": cores,
                "busy_pct": busy_pct,  # all cores together: 100 % is every core busy
                # Whatever else ran on the machine meanwhile (a shared machine skews every figure).
                "others_busy_pct": None if busy_pct is None else round(max(busy_pct - ours_pct, 0), 1),
                "load_average_before": self._load_before,
                "load_average_after": load_average(),
            },
        }
