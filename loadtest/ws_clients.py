"""One load process: many logged-in /ws connections, each watching everything or subscribed as
a page does (`query`: the subscription in the URL), measuring how old each quote is when it
arrives and which engine updates never did.

Run by the harness as `python -m loadtest.ws_clients` and driven as loadtest.control says
(configuration: `ClientConfig`); "ready" comes once every connection was tried, ramped up in
batches.

A quote's latency is its age on arrival: when the bytes ending the message came off the socket
minus the quote's `ts_ms`, in whole milliseconds like `ts_ms` itself. Clients must stay cheap,
or on a small machine they take the CPU the server needs: each connection is a
loadtest.lean_ws connection, a message is identified from its first bytes (type and seq)
without decoding the rest, and only every
`sample_every`-th price update of a connection is decoded for its quotes' timestamps. The
connections sample different updates (by seq + connection index), so every update is measured
on some connections.

No Django here: this process imports only what a bot would.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from loadtest.control import expect, serve
from loadtest.lean_ws import CLOSE_ABNORMAL, HandshakeError, LeanConnection
from loadtest.sequence import SeqCounts, SeqTracker
from loadtest.stats import Histogram

UPDATE_TYPES = frozenset({b"price_update", b"arbitrage_opportunities", b"opportunity_closed"})
# The server writes compact JSON with the type, then the seq, first; anything else takes the slow path.
_PREFIX = re.compile(rb'\{"type":"([a-z_]+)"(?:,"seq":(\d+))?')
LOOP_LAG_PROBE_S = 0.1
CLOSE_TIMEOUT_S = 2


class _Header(msgspec.Struct):
    type: str = ""
    seq: int | None = None
    page: int | None = None
    pages: int | None = None


class _QuoteTimes(msgspec.Struct):
    ts_ms: int  # exchange time
    recv_ms: int | None = None  # Arbsite's receive time


class _QuoteTimesUpdate(msgspec.Struct):
    data: list[_QuoteTimes]


_header_decoder = msgspec.json.Decoder(_Header)
_quotes_decoder = msgspec.json.Decoder(_QuoteTimesUpdate)


@dataclass
class ClientConfig:
    name: str
    urls: list[str]  # connection i uses urls[i % len(urls)] (one per web worker)
    first_index: int  # this process's connections are numbered from here, across processes
    count: int
    auth: str  # "bearer", "cookie" or "mixed" (even connections bearer, odd cookie)
    compression: bool = True  # offer permessage-deflate, as browsers do
    token: str = ""
    cookie: str = ""  # "sessionid=..."
    ramp_batch: int = 50
    open_timeout_s: float = 15.0
    sample_every: int = 1
    result_path: str = ""
    max_lifetime_s: float = 600.0
    # The subscription in the URL, as pages name it (`instruments=...&opportunities=all`); empty:
    # none, every quote and opportunity.
    query: str = ""


@dataclass
class Tally:
    """What this process's connections measured; only within the window, except connecting."""

    measuring: bool = False
    # Quote ages on arrival, ms → how many: the quotes' times are whole milliseconds anyway.
    latency_ms: Counter = field(default_factory=Counter)  # tick → here: arrival − ts_ms
    server_latency_ms: Counter = field(default_factory=Counter)  # Arbsite's receive → here: arrival − recv_ms
    connect_us: Histogram = field(default_factory=Histogram)  # connecting until the first snapshot
    loop_lag_us: Histogram = field(default_factory=Histogram)  # this process's own lateness
    messages: Counter = field(default_factory=Counter)
    bytes: int = 0
    undecodable: int = 0
    failed: Counter = field(default_factory=Counter)  # connections never established, by reason
    disconnected: Counter = field(default_factory=Counter)  # established, then closed (any time), by code


class Client:
    def __init__(self, index: int, config: ClientConfig, tally: Tally) -> None:
        self.index = index
        base_url = config.urls[index % len(config.urls)]
        self.url = f"{base_url}?{config.query}" if config.query else base_url
        self.tally = tally
        self.sample_every = config.sample_every
        self.compression = config.compression
        self.seq = SeqTracker(narrowed=bool(config.query))
        self.ws: LeanConnection | None = None
        self.connected = False  # opened, and its first snapshot came
        self.closing = False  # this side is closing it: not a disconnection to count
        self._snapshot_seen: asyncio.Future[None] | None = None
        bearer = config.auth == "bearer" or (config.auth == "mixed" and index % 2 == 0)
        if bearer:  # a program: the token as a subprotocol, no Origin
            self.subprotocols, self.headers = ["bearer", config.token], {}
        else:  # a page: the session cookie, from the site's own origin
            origin = "http" + self.url[2:].split("/ws", 1)[0]
            self.subprotocols, self.headers = None, {"Cookie": config.cookie, "Origin": origin}

    async def open(self, timeout_s: float) -> bool:
        """Connect and wait for the first snapshot; a failure is counted by its reason."""
        began = time.perf_counter()
        self._snapshot_seen = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout_s):
                # Like a browser: offers compression (unless told not to), never pings.
                self.ws = await LeanConnection.connect(
                    self.url,
                    self._received,
                    headers=self.headers,
                    subprotocols=self.subprotocols,
                    compression=self.compression,
                )
                await asyncio.wait({self._snapshot_seen, self.ws.closed}, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            self.tally.failed["timeout"] += 1
        except HandshakeError as exc:
            # No status: closed before answering the upgrade.
            self.tally.failed[f"http {exc.status}" if exc.status else "handshake cut off"] += 1
        except OSError as exc:
            self.tally.failed[errno.errorcode.get(exc.errno, type(exc).__name__)] += 1
        else:
            if self._snapshot_seen.done():
                self.tally.connect_us.record(int((time.perf_counter() - began) * 1e6))
                self.connected = True
                self.ws.closed.add_done_callback(self._on_closed)
                return True
            code = self.ws.closed.result()
            self.tally.failed[f"closed {code}" if code != CLOSE_ABNORMAL else "closed abnormally"] += 1
        if self.ws is not None and self.ws.transport is not None:
            self.ws.transport.abort()
        return False

    def _received(self, raw: bytes, now_us: int) -> None:
        if self.on_message(raw, now_us) == b"snapshot" and not self._snapshot_seen.done():
            self._snapshot_seen.set_result(None)

    def _on_closed(self, closed: asyncio.Future[int]) -> None:
        if not self.closing:
            code = closed.result()
            self.tally.disconnected[str(code) if code != CLOSE_ABNORMAL else "abnormal"] += 1

    def on_message(self, raw: bytes, now_us: int) -> bytes:
        """Count one message and measure what it carries; returns its type."""
        tally = self.tally
        match = _PREFIX.match(raw)
        if match is not None:
            kind, seq_text = match.groups()
            seq = int(seq_text) if seq_text else None
        else:
            try:
                header = _header_decoder.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError):
                tally.undecodable += 1
                return b""
            kind, seq = header.type.encode(), header.seq
        if tally.measuring:
            tally.messages[kind] += 1
            tally.bytes += len(raw)
        if kind in UPDATE_TYPES and seq is not None:
            self.seq.on_update(seq)
            if kind == b"price_update" and tally.measuring and (seq + self.index) % self.sample_every == 0:
                self.measure_quotes(raw, now_us)
        elif kind == b"snapshot":
            try:
                header = _header_decoder.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError):
                tally.undecodable += 1
                return kind
            self.seq.on_snapshot(header.seq, header.page, header.pages)
        return kind

    def measure_quotes(self, raw: bytes, now_us: int) -> None:
        try:
            quotes = _quotes_decoder.decode(raw).data
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.tally.undecodable += 1
            return
        now_ms = now_us // 1000
        self.tally.latency_ms.update([now_ms - quote.ts_ms for quote in quotes])
        self.tally.server_latency_ms.update([now_ms - quote.recv_ms for quote in quotes if quote.recv_ms is not None])

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close(CLOSE_TIMEOUT_S)


async def watch_loop_lag(tally: Tally) -> None:
    """How late this process's loop wakes up: when high, the clients themselves add latency."""
    loop = asyncio.get_running_loop()
    while True:
        expected = loop.time() + LOOP_LAG_PROBE_S
        await asyncio.sleep(LOOP_LAG_PROBE_S)
        if tally.measuring:
            tally.loop_lag_us.record(int((loop.time() - expected) * 1e6))


async def ramp_up(clients: list[Client], batch: int, timeout_s: float) -> None:
    """Connect in batches, so the handshakes the server sees at once stay bounded."""
    for start in range(0, len(clients), batch):
        await asyncio.gather(*(client.open(timeout_s) for client in clients[start : start + batch]))


def result(config: ClientConfig, clients: list[Client], tally: Tally, window_s: float, seqs: tuple) -> dict:
    connected = [c for c in clients if c.connected]
    counts = SeqCounts()
    for client in connected:
        for name, value in vars(client.seq.counts).items():
            setattr(counts, name, getattr(counts, name) + value)
    compressed = sum(1 for c in connected if c.ws.deflate)
    return {
        "name": config.name,
        "window_s": window_s,
        "connections": {
            "requested": len(clients),
            "connected": len(connected),
            "failed": dict(tally.failed),
            "disconnected": dict(tally.disconnected),
            "compressed": compressed,
        },
        "connect_us": tally.connect_us.to_json(),
        "latency_us": _histogram_ms(tally.latency_ms).to_json(),
        "server_latency_us": _histogram_ms(tally.server_latency_ms).to_json(),
        "loop_lag_us": tally.loop_lag_us.to_json(),
        "messages": {kind.decode(): n for kind, n in tally.messages.items()},
        "bytes": tally.bytes,
        "undecodable": tally.undecodable,
        "seq": vars(counts),
        "updates_per_connection": [c.seq.counts.updates for c in connected],
        "seq_at_start": seqs[0],
        "seq_at_stop": seqs[1],
    }


def _histogram_ms(counts: Counter) -> Histogram:
    histogram = Histogram()
    histogram.record_counts(counts, unit_us=1000)
    return histogram


def latest_seq(clients: list[Client]) -> int | None:
    return max((c.seq.last_seq for c in clients if c.seq.last_seq is not None), default=None)


async def run(config: ClientConfig, commands: asyncio.StreamReader) -> None:
    tally = Tally()
    clients = [Client(config.first_index + n, config, tally) for n in range(config.count)]
    lag_watch = asyncio.create_task(watch_loop_lag(tally))
    try:
        await ramp_up(clients, config.ramp_batch, config.open_timeout_s)
        connected = sum(1 for c in clients if c.connected)
        print("ready", json.dumps({"connected": connected, "failed": dict(tally.failed)}), flush=True)
        if not await expect(commands, "start"):
            return
        for client in clients:
            client.seq.reset_counts()
        seq_at_start, started = latest_seq(clients), time.monotonic()
        tally.measuring = True
        print("started", flush=True)
        if not await expect(commands, "stop"):
            return
        tally.measuring = False
        window_s = time.monotonic() - started
        measured = result(config, clients, tally, window_s, (seq_at_start, latest_seq(clients)))
        await asyncio.to_thread(Path(config.result_path).write_text, json.dumps(measured))
        print("result", config.result_path, flush=True)
    finally:
        lag_watch.cancel()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT_S + 1):
                await asyncio.gather(*(client.close() for client in clients))


if __name__ == "__main__":
    serve(ClientConfig, run)
