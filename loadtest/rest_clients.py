"""One open-loop HTTP load process: GET one URL at a fixed rate, authenticated with a bearer
token, each request's latency measured from when it was due (loadtest.schedule).

Run by the harness as `python -m loadtest.rest_clients` and driven as loadtest.control says
(configuration: `GeneratorConfig`). Requests start at once (the warm-up: connections opened,
caches filled); only those due between "start" and "stop" are counted. A request still
unanswered after `timeout_s` counts as a timeout, and at the time it took, so a server that
stops answering cannot look fast.

No Django here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from loadtest.control import expect, serve
from loadtest.schedule import due_offsets_s
from loadtest.stats import Histogram


@dataclass
class GeneratorConfig:
    name: str
    url: str
    token: str
    rate_per_s: float  # of all generator processes together
    process_index: int
    processes: int
    start_monotonic: float  # the shared schedule's zero (CLOCK_MONOTONIC is system-wide on Linux)
    timeout_s: float = 10.0
    connection_limit: int = 256  # beyond this many requests in flight, requests queue here (and it shows)
    result_path: str = ""
    max_lifetime_s: float = 600.0


@dataclass
class Tally:
    measuring: bool = False  # requests sent now are counted (their answers may come after the window)
    window_open: bool = False  # between "start" and "stop"
    scheduled: int = 0
    answered_in_window: int = 0  # 200s that arrived within the window, whenever sent: the throughput
    latency_us: Histogram = field(default_factory=Histogram)  # due → response read
    send_lag_us: Histogram = field(default_factory=Histogram)  # due → sent: this process falling behind
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    bytes: int = 0


async def request(http: aiohttp.ClientSession, url: str, due: float, tally: Tally) -> None:
    counted = tally.measuring
    try:
        async with http.get(url) as response:
            body = await response.read()
    except TimeoutError:
        if counted:
            tally.errors["timeout"] += 1
            tally.latency_us.record(int((time.monotonic() - due) * 1e6))
        return
    except aiohttp.ClientError as exc:
        if counted:
            tally.errors[type(exc).__name__] += 1
        return
    if tally.window_open and response.status == 200:
        tally.answered_in_window += 1
    if counted:
        tally.latency_us.record(int((time.monotonic() - due) * 1e6))
        tally.statuses[str(response.status)] += 1
        tally.bytes += len(body)


async def fire(config: GeneratorConfig, http: aiohttp.ClientSession, tally: Tally, in_flight: set) -> None:
    """Send each request when due, never waiting for an answer."""
    for offset_s in due_offsets_s(config.rate_per_s, config.process_index, config.processes):
        due = config.start_monotonic + offset_s
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if tally.measuring:
            tally.scheduled += 1
            tally.send_lag_us.record(int((time.monotonic() - due) * 1e6))
        task = asyncio.create_task(request(http, config.url, due, tally))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)


def result(config: GeneratorConfig, tally: Tally, window_s: float, unfinished: int) -> dict:
    return {
        "name": config.name,
        "window_s": window_s,
        "scheduled": tally.scheduled,
        "answered_in_window": tally.answered_in_window,
        "statuses": dict(tally.statuses),
        "errors": dict(tally.errors) | ({"unfinished": unfinished} if unfinished else {}),
        "latency_us": tally.latency_us.to_json(),
        "send_lag_us": tally.send_lag_us.to_json(),
        "bytes": tally.bytes,
    }


async def run(config: GeneratorConfig, commands: asyncio.StreamReader) -> None:
    tally = Tally()
    in_flight: set[asyncio.Task] = set()
    connector = aiohttp.TCPConnector(limit=config.connection_limit)
    headers = {"Authorization": f"Bearer {config.token}", "Accept": "application/json"}
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as http:
        firing = asyncio.create_task(fire(config, http, tally, in_flight))
        try:
            print("ready", flush=True)
            if not await expect(commands, "start"):
                return
            tally.measuring = tally.window_open = True
            started = time.monotonic()
            print("started", flush=True)
            if not await expect(commands, "stop"):
                return
            firing.cancel()
            tally.window_open = False
            window_s = time.monotonic() - started
            counted = set(in_flight)
            # Requests due in the window but unanswered yet still count: wait for them (bounded).
            if counted:
                await asyncio.wait(counted, timeout=config.timeout_s + 1)
            tally.measuring = False
            unfinished = sum(1 for task in counted if not task.done())
            measured = json.dumps(result(config, tally, window_s, unfinished))
            await asyncio.to_thread(Path(config.result_path).write_text, measured)
            print("result", config.result_path, flush=True)
        finally:
            firing.cancel()
            for task in in_flight:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(firing, *in_flight, return_exceptions=True)


if __name__ == "__main__":
    serve(GeneratorConfig, run)
