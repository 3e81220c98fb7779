"""The simulated exchanges in a process of their own, for `run_all --simulate`.

Real exchanges are other machines: a simulator on the app's own event loop made the demo pay
for the market it simulates (with every listed perpetual watched, a quarter of a core under the
app's GIL) and measured figures no live run would see. So `run_all --simulate` starts
`manage.py simulate_exchanges` as a child, reads the endpoints it prints, and stops it on the
way out. The child also stops when this process dies without stopping it: it serves until its
standard input closes (`--until-stdin-closes`), which the kernel does for a parent of any death.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from feeds.exchanges.base import Endpoints

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
_ENDPOINT = re.compile(r"^\s*ARBSITE_(\w+)_(WS|REST)_URL=(\S+)\s*$")


def simulator_arguments(
    exchange_ids: list[str], seed: int | None, universe: int, playback: list[str] | None = None
) -> list[str]:
    """`simulate_exchanges`' options for these exchanges on free ports."""
    arguments = ["--port", "0", "--universe", str(universe), "--until-stdin-closes"]
    if seed is not None:
        arguments += ["--seed", str(seed)]
    for exchange_id in exchange_ids:
        arguments += ["--exchange", exchange_id]
    return arguments + (playback or [])


def read_endpoints(lines: list[str], exchange_ids: list[str]) -> dict[str, Endpoints] | None:
    """The endpoints `simulate_exchanges` printed, once every exchange has both; else None."""
    found: dict[str, dict[str, str]] = {}
    for line in lines:
        match = _ENDPOINT.match(line)
        if match:
            found.setdefault(match[1].lower(), {})[match[2]] = match[3]
    if any(len(found.get(exchange_id, {})) < 2 for exchange_id in exchange_ids):
        return None
    return {
        exchange_id: Endpoints(ws_url=found[exchange_id]["WS"], rest_url=found[exchange_id]["REST"])
        for exchange_id in exchange_ids
    }


@contextlib.asynccontextmanager
async def simulator_process(
    manage_py: Path, exchange_ids: list[str], seed: int | None, universe: int
) -> AsyncIterator[dict[str, Endpoints]]:
    """Start the simulator as a child process; yield each exchange's endpoints while it runs."""
    command = [sys.executable, str(manage_py), "simulate_exchanges", *simulator_arguments(exchange_ids, seed, universe)]
    child = await asyncio.to_thread(
        subprocess.Popen,
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    try:
        lines: list[str] = []
        async with asyncio.timeout(STARTUP_TIMEOUT_S):
            while (endpoints := read_endpoints(lines, exchange_ids)) is None:
                line = await asyncio.to_thread(child.stdout.readline)
                if not line:
                    raise RuntimeError(f"the simulator exited while starting:\n{''.join(lines[-20:])}")
                lines.append(line)
        threading.Thread(target=_relay, args=(child,), name="simulator-output", daemon=True).start()
        yield endpoints
    finally:
        await asyncio.to_thread(_stop, child)


def _relay(child: subprocess.Popen) -> None:
    """What the simulator says after starting (warnings, tracebacks) goes to our log, on a
    thread of its own: it waits on the pipe for as long as the child lives."""
    for line in child.stdout:
        logger.info("simulator: %s", line.rstrip())


def _stop(child: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        child.stdin.close()  # the child's signal to stop, whatever else it is waiting for
    child.terminate()
    try:
        child.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
