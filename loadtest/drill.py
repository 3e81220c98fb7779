"""The Redis restart drill: the scaled-out system under /ws load loses its Redis (channel layer,
cache, presence) and gets back an empty one on the same port, as a restarted Redis that keeps
nothing on disk would be.

Run inside a measurement window (loadtest.runner, `manage.py drill redis-restart`), beside the
usual load processes. It watches the server processes' memory every second, and a few probe
connections of its own note when each message arrives, to tell:

- recovery: from Redis being back to each probe's next price update (the web tier rejoined the
  layer and the engine's updates flow again), and to `/api/prices` listing quotes again (the
  engine rewrote the cache it lost);
- whether any connection was closed by it (the load processes count "closed later");
- memory (RSS) of each server process before the outage, at its highest, and at the end: a web
  tier that leaks after a restart grows here without bound.

No Django here: the drill sees the system only as clients and the OS do.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from loadtest.cpu import process_rss_mb
from loadtest.system import Target

_TYPE = re.compile(rb'\{"type":"([a-z_]+)"(?:,"seq":(\d+))?')
RSS_SAMPLE_S = 1.0
API_POLL_S = 0.2


@dataclass
class Probe:
    """One /ws connection that notes when each kind of message arrives (monotonic seconds)."""

    url: str
    connect_kwargs: dict
    arrivals: list[tuple[float, bytes, int | None]] = field(default_factory=list)  # (s, type, seq)
    closed_code: int | None = None
    ws: ClientConnection | None = None
    task: asyncio.Task | None = None

    async def open(self) -> None:
        self.ws = await connect(self.url, ping_interval=None, max_size=None, **self.connect_kwargs)
        self.task = asyncio.create_task(self._receive_forever())

    async def _receive_forever(self) -> None:
        try:
            async for message in self.ws:
                raw = message.encode() if isinstance(message, str) else message
                found = _TYPE.match(raw)
                seq = int(found[2]) if found and found[2] else None
                self.arrivals.append((time.monotonic(), found[1] if found else b"?", seq))
        except ConnectionClosed as exc:
            self.closed_code = exc.rcvd.code if exc.rcvd else 1006

    def first_update_after(self, at_s: float) -> float | None:
        for arrived_s, kind, _ in self.arrivals:
            if arrived_s >= at_s and kind in (b"price_update", b"snapshot"):
                return arrived_s
        return None

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@dataclass
class RedisRestartDrill:
    warm_s: float = 10.0  # load running before Redis goes
    outage_s: float = 10.0  # Redis away
    after_s: float = 60.0  # watched after Redis is back
    probes: int = 4

    @property
    def duration_s(self) -> float:
        return self.warm_s + self.outage_s + self.after_s

    async def __call__(self, target: Target) -> dict:
        if target.redis is None:
            raise ValueError("the Redis restart drill needs the scale-out system (its own Redis)")
        probes = [_probe(target, n) for n in range(self.probes)]
        await asyncio.gather(*(probe.open() for probe in probes))
        rss = {process.name: [] for process in target.processes if process.name != "redis"}
        sampler = asyncio.create_task(_sample_rss(target, rss))
        try:
            await asyncio.sleep(self.warm_s)
            rss_before = _latest(rss)
            down_s = time.monotonic()
            await target.redis.stop()
            await asyncio.sleep(self.outage_s)
            await target.redis.start()
            up_s = time.monotonic()
            api_recovery_s = await _api_listing_quotes(target, up_s + self.after_s)
            await asyncio.sleep(max(0.0, up_s + self.after_s - time.monotonic()))
            rss_end = _latest(rss)
        finally:
            sampler.cancel()
            await asyncio.gather(*(probe.close() for probe in probes), return_exceptions=True)
        recovered = [probe.first_update_after(up_s) for probe in probes]
        return {
            "drill": "redis-restart",
            "outage_s": round(up_s - down_s, 2),
            "ws_recovery_s": [round(at - up_s, 2) if at is not None else None for at in recovered],
            "api_recovery_s": api_recovery_s,
            "probes_closed": [probe.closed_code for probe in probes if probe.closed_code is not None],
            "rss_mb": {
                name: {"before": rss_before.get(name), "peak": max(samples, default=None), "end": rss_end.get(name)}
                for name, samples in rss.items()
            },
        }


def _probe(target: Target, n: int) -> Probe:
    """Half the probes log in as a program (bearer token), half as a page (session cookie)."""
    url = target.ws_urls[n % len(target.ws_urls)]
    if n % 2 == 0:
        return Probe(url, {"subprotocols": ["bearer", target.token]})
    origin = "http" + url[2:].split("/ws", 1)[0]
    return Probe(url, {"additional_headers": {"Cookie": target.cookie}, "origin": origin})


async def _sample_rss(target: Target, rss: dict[str, list[float]]) -> None:
    while True:
        for process in target.processes:
            if process.name in rss and (value := process_rss_mb(process.pid)) is not None:
                rss[process.name].append(value)
        await asyncio.sleep(RSS_SAMPLE_S)


def _latest(rss: dict[str, list[float]]) -> dict[str, float]:
    return {name: samples[-1] for name, samples in rss.items() if samples}


async def _api_listing_quotes(target: Target, deadline_s: float) -> float | None:
    """Seconds from now until `/api/prices` lists quotes again (None: not before the deadline)."""
    began_s = time.monotonic()
    headers = {"Authorization": f"Bearer {target.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        while time.monotonic() < deadline_s:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                async with http.get(target.base_urls[0] + "/api/prices", timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status == 200 and (await r.json()).get("count"):
                        return round(time.monotonic() - began_s, 2)
            await asyncio.sleep(API_POLL_S)
    return None


def drill_table(summary: dict) -> str:
    drill = summary["drill"]
    c, u = summary["connections"], summary["updates"]
    dropped = ", ".join(f"{k} {v}" for k, v in c["disconnected"].items()) or "none"
    recovery = [value for value in drill["ws_recovery_s"] if value is not None]
    missing = len(drill["ws_recovery_s"]) - len(recovery)
    lines = [
        f"Redis restart drill, {summary['target']['mode']}: {c['requested']} /ws clients, Redis away "
        f"{drill['outage_s']:g} s → {summary['json_path']}",
        f"  /ws updates again after {max(recovery, default=float('nan')):g} s (slowest of {len(recovery)} probes"
        + (f"; {missing} never" if missing else "")
        + f"); /api/prices lists quotes after {drill['api_recovery_s']} s",
        f"  connections closed: {dropped} (probes: {drill['probes_closed'] or 'none'}); "
        f"lost {u['lost']}, resynced {u['resynced']} in {u['resyncs']} resyncs",
        "  RSS MB (before → peak → end): "
        + ", ".join(f"{name} {r['before']} → {r['peak']} → {r['end']}" for name, r in drill["rss_mb"].items()),
    ]
    return "\n".join(lines)
