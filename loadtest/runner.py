"""One measurement against a running target: start the load processes, let them ramp up and
warm up, open the window (CPU counters read), hold it, close it, collect, summarize.

The load processes are separate Python processes on loopback (loadtest.ws_clients,
loadtest.rest_clients), never the harness itself, and every one is stopped at the end
whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from loadtest.cpu import CpuWindow, Watched
from loadtest.processes import ROOT, Child, start
from loadtest.report import json_path, summarize_rest, summarize_ws, write_json
from loadtest.system import Target, external, scale_out, single_process

CONNECTIONS_PER_PROCESS = 500
MAX_CLIENT_PROCESSES = 8
SAMPLED_CONNECTIONS = 100  # about this many connections decode each price update's quotes
REQUESTS_PER_S_PER_PROCESS = 500
COMMAND_TIMEOUT_S = 30.0
STARTUP_BUDGET_S = 240.0  # database, migrations, every process up, every feed connected


@dataclass
class WsRun:
    clients: int
    duration_s: float
    client_processes: int | None = None  # default: one per 500 connections (at most 8)
    sample_every: int | None = None  # default: clients // 100, so ~100 connections measure each update
    auth: str = "mixed"  # "bearer", "cookie" or "mixed"
    # Clients offer permessage-deflate as browsers do. On one machine their inflating takes
    # the server's cores, which remote browsers would not: False measures without it.
    compression: bool = True
    # What each client subscribes to: "none" (every quote and opportunity), or a name for the
    # URL query it connects with, as a page does (`query`; the bench command builds it).
    subscribe: str = "none"
    query: str = ""
    ramp_batch: int = 50
    open_timeout_s: float = 15.0
    warmup_s: float = 2.0

    def __post_init__(self) -> None:
        self.client_processes = self.client_processes or min(
            MAX_CLIENT_PROCESSES, math.ceil(self.clients / CONNECTIONS_PER_PROCESS)
        )
        self.sample_every = self.sample_every or max(1, self.clients // SAMPLED_CONNECTIONS)

    def ramp_budget_s(self) -> float:
        per_process = math.ceil(self.clients / self.client_processes)
        return math.ceil(per_process / self.ramp_batch) * (self.open_timeout_s + 1) + COMMAND_TIMEOUT_S

    def budget_s(self) -> float:
        """The longest this measurement may take, system start included."""
        return STARTUP_BUDGET_S + self.ramp_budget_s() + self.warmup_s + self.duration_s + 2 * COMMAND_TIMEOUT_S


@dataclass
class RestRun:
    rate_per_s: float
    duration_s: float
    path: str = "/api/prices"
    processes: int | None = None  # default: one per 500 req/s
    warmup_s: float = 3.0
    timeout_s: float = 10.0
    connection_limit: int = 256

    def __post_init__(self) -> None:
        self.processes = self.processes or math.ceil(self.rate_per_s / REQUESTS_PER_S_PER_PROCESS)

    def budget_s(self) -> float:
        return STARTUP_BUDGET_S + self.warmup_s + self.duration_s + self.timeout_s + 3 * COMMAND_TIMEOUT_S


def raise_open_files_limit() -> int:
    """Let this process and the servers and clients it starts hold thousands of sockets (the
    soft limit up to the hard one); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def token_lifetime_s(budget_s: float) -> int:
    """Tokens the server issues must outlive the run (clients never refresh)."""
    return max(3600, int(budget_s * 2))


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _load_json(path: str) -> dict:
    # Read after the window closed, when blocking the loop for a small file costs nothing.
    return json.loads(Path(path).read_text())


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


async def _start_load(module: str, configs: list[dict]) -> list[Child]:
    children = []
    for config in configs:
        child = await start(config["name"], [sys.executable, "-m", module], {}, stdin=True)
        children.append(child)
        await child.send_line(json.dumps(config))
    return children


async def _each(children: list[Child], command: str | None, reply: str, timeout_s: float) -> list:
    if command is not None:
        for child in children:
            await child.send_line(command)
    return await asyncio.gather(*(child.wait_for_line(reply, timeout_s) for child in children))


async def _measure(
    target: Target,
    load: list[Child],
    ready_timeout_s: float,
    warmup_s: float,
    duration_s: float,
    during: Callable[[Target], Awaitable[dict]] | None = None,
) -> tuple[list[dict], dict, dict, dict | None]:
    """Ready, warm-up, the window (with `during` run in it, e.g. a fault drill); returns (each
    load process's result, CPU figures, server log, what `during` returned)."""
    await _each(load, None, r"^ready", ready_timeout_s)
    await asyncio.sleep(warmup_s)
    watched = [
        *target.processes,
        *(Watched(child.name, "client", child.pid) for child in load),
        Watched("harness", "harness", os.getpid()),
    ]
    cpu = CpuWindow(watched)
    await _each(load, "start", r"^started", COMMAND_TIMEOUT_S)
    cpu.open(time.monotonic())
    marks = target.log_marks()
    if during is None:
        await asyncio.sleep(duration_s)
        happened = None
    else:
        happened = await during(target)
    figures = cpu.close(time.monotonic())
    log = target.log_since(marks)
    replies = await _each(load, "stop", r"^result (\S+)", COMMAND_TIMEOUT_S)
    results = [_load_json(reply[1]) for reply in replies]
    return results, figures, log, happened


async def _load(
    target: Target,
    run: WsRun | RestRun,
    module: str,
    configs: list[dict],
    ready_timeout_s: float,
    during: Callable[[Target], Awaitable[dict]] | None = None,
) -> dict:
    """Run the load processes through one window; the summary of what they measured."""
    started_at_s = time.time()
    load = await _start_load(module, configs)
    try:
        results, cpu, log, happened = await _measure(
            target, load, ready_timeout_s, run.warmup_s, run.duration_s, during
        )
    finally:
        await asyncio.gather(*(child.stop() for child in load))
    window_s = min(result["window_s"] for result in results)
    kind = "ws" if isinstance(run, WsRun) else "rest"
    return {
        **_meta(kind, target, run, started_at_s),
        "window_s": round(window_s, 3),
        **(summarize_ws if kind == "ws" else summarize_rest)(results, window_s),
        "cpu": cpu,
        "server_log": log,
        **({"drill": happened} if happened is not None else {}),
    }


def _meta(kind: str, target: Target, run: WsRun | RestRun, started_at_s: float) -> dict:
    fanout_ms = target.settings.get("ARBSITE_FANOUT_MS") or os.environ.get("ARBSITE_FANOUT_MS") or "25 (default)"
    return {
        "kind": kind,
        "started_at_s": started_at_s,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started_at_s)),
        "commit": _commit(),
        "python": platform.python_version(),
        "target": {"mode": target.mode, "urls": target.base_urls, "fanout_ms": fanout_ms},
        "config": asdict(run),
    }


async def measure_ws(
    target: Target, run: WsRun, workdir: Path, during: Callable[[Target], Awaitable[dict]] | None = None
) -> dict:
    configs = []
    first = 0
    for n, count in enumerate(_split(run.clients, run.client_processes), 1):
        configs.append(
            {
                "name": f"ws-clients-{n}",
                "urls": target.ws_urls,
                "first_index": first,
                "count": count,
                "auth": run.auth,
                "compression": run.compression,
                "query": run.query,
                "token": target.token,
                "cookie": target.cookie,
                "ramp_batch": run.ramp_batch,
                "open_timeout_s": run.open_timeout_s,
                "sample_every": run.sample_every,
                "result_path": str(workdir / f"ws-clients-{n}.json"),
                "max_lifetime_s": run.budget_s(),
            }
        )
        first += count
    return await _load(target, run, "loadtest.ws_clients", configs, run.ramp_budget_s(), during)


async def measure_rest(target: Target, run: RestRun, workdir: Path) -> dict:
    start_monotonic = time.monotonic() + 1.0  # every process up before the first request is due
    configs = [
        {
            "name": f"rest-clients-{n + 1}",
            "url": target.base_urls[0] + run.path,
            "token": target.token,
            "rate_per_s": run.rate_per_s,
            "process_index": n,
            "processes": run.processes,
            "start_monotonic": start_monotonic,
            "timeout_s": run.timeout_s,
            "connection_limit": run.connection_limit,
            "result_path": str(workdir / f"rest-clients-{n + 1}.json"),
            "max_lifetime_s": run.budget_s(),
        }
        for n in range(run.processes)
    ]
    return await _load(target, run, "loadtest.rest_clients", configs, COMMAND_TIMEOUT_S)


@dataclass
class SystemSpec:
    """What to measure: a system this run starts (single, scaleout) or one already running (external)."""

    mode: str
    exchanges: list[str]
    web_workers: int = 1
    database_url: str = ""  # scaleout: the PostgreSQL server to create a scratch database on
    url: str = ""  # external
    username: str = ""
    password: str = ""
    server_pids: tuple[int, ...] = ()
    universe: int | None = None  # simulated coins listed besides the majors (None: the simulator's default)


@contextlib.asynccontextmanager
async def system(spec: SystemSpec, budget_s: float) -> AsyncIterator[Target]:
    lifetime_s = token_lifetime_s(budget_s)
    if spec.mode == "single":
        async with single_process(spec.exchanges, lifetime_s, universe=spec.universe) as target:
            yield target
    elif spec.mode == "scaleout":
        async with scale_out(
            spec.exchanges, lifetime_s, spec.database_url, spec.web_workers, universe=spec.universe
        ) as target:
            yield target
    else:
        yield await external(spec.url, spec.username, spec.password, list(spec.server_pids))


async def measure(
    spec: SystemSpec,
    run: WsRun | RestRun,
    json_dir: Path,
    during: Callable[[Target], Awaitable[dict]] | None = None,
) -> dict:
    """One bounded measurement on a freshly started system (or the external one); the summary,
    also written as JSON (its path in `json_path`). `during` (ws only) runs in the window."""
    open_files = raise_open_files_limit()
    async with asyncio.timeout(run.budget_s()):
        with tempfile.TemporaryDirectory(prefix="arbsite-loadtest-results-") as workdir:
            async with system(spec, run.budget_s()) as target:
                if isinstance(run, WsRun):
                    summary = await measure_ws(target, run, Path(workdir), during)
                else:
                    summary = await measure_rest(target, run, Path(workdir))
    summary["open_files_limit"] = open_files
    path = json_path(json_dir, summary)
    summary["json_path"] = str(path)
    write_json(path, summary)
    return summary
