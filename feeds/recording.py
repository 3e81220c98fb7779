"""Recordings: every normalised quote a feed worker produced, kept in daily files per exchange.

Pure: no Django, no event loop (feeds/recorder.py runs this off the feed worker's loop).

Layout: `<dir>/<exchange>/<YYYY-MM-DD>.arbrec`, one file per exchange and UTC day of the
quotes' receive time (`recv_ns`), so a day rotates by itself and retention deletes whole files.

Format: the 8 bytes `ARBREC1\\n`, then records, each
    kind (1 byte) | length (4 bytes, big-endian, unsigned) | payload (length bytes, one zstd frame)
- kind `Q`: the frame holds msgpack `list[Quote]` exactly as `feeds.types.encode_quotes` writes
  it (a Quote is an array of its fields in declaration order, Decimals as strings, so each comes
  back exactly as received); a flush writes one per exchange and day, cut every
  MAX_RECORD_QUOTES quotes;
- kind `D`: a connection went down, msgpack `{"exchange", "instruments": [...], "at_ns"}`;
- kind `F`: funding records the worker's poller received together, msgpack `[at_ns, [Funding, ...]]`
  (`at_ns` when they were received; each Funding an array of its fields in declaration order,
  as `feeds.funding.encode_funding` writes them: `exchange, symbol, instrument, rate,
  interval_h, next_funding_ms, ts_ms`, the rate a string);
- kind `B`: order books (depth) the worker sent the engine together, msgpack `[at_ns, [Depth, ...]]`
  (`at_ns` when they were sent; each Depth an array of its fields in declaration order, as
  `feeds.depth.encode_depth` writes them: `exchange, symbol, instrument, bids, asks, ts_ms,
  recv_ns`, each level `[price, size]` as strings). Depth is streamed on demand (the books of
  open and near opportunities), so these are the books the live engine walked, and only those.
A flush's down notices and funding go between the quotes received before and after them, so a
file reads in time order (within a record, quotes may be a little out of receive order: a reader
sorts each). A reader skips a kind it does not know, so a kind added later leaves older readers working.
Raw frames (ARBSITE_RECORD_RAW): each connection's frames, exactly as received, in files of
their own next to the quotes, `<dir>/<exchange>/<YYYY-MM-DD>.<connection>.arbraw` (the
connection's number within its worker, from 0), with the same header and record framing:
- kind `R`: msgpack `[[recv_ns, frame], ...]`, a text frame as a msgpack str (its UTF-8 bytes
  unchanged), a binary frame as a msgpack bin.
Records are appended with one write each; a record cut short (the process died mid-write) ends
the file for a reader, which counts it and stops there.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import logging
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import zstandard

from feeds.depth import Depth
from feeds.funding import Funding
from feeds.types import Quote, decode_quotes, encode_quotes

logger = logging.getLogger(__name__)

MAGIC = b"ARBREC1\n"
SUFFIX = ".arbrec"
RAW_SUFFIX = ".arbraw"
QUOTES = b"Q"
DOWN = b"D"
FUNDING = b"F"
DEPTH = b"B"
RAW = b"R"
_HEAD = struct.Struct(">cI")
FILE_MODE = 0o600
DIR_MODE = 0o700
# Level 1: measured on the simulated market, 4.2x smaller than the msgpack (~23 bytes a quote)
# for 0.15 µs a quote; zstd's default (3) saves 3 % more space for 40 % more time.
COMPRESSION_LEVEL = 1
# A busy exchange's second is cut into records of at most this many quotes, so msgpack and zstd
# work within the CPU's cache: on the simulated market, records of 2,000 quotes took ~8 % less
# CPU a quote than records of 18,000, and 4 % fewer bytes; below ~500, zstd compresses less.
MAX_RECORD_QUOTES = 2_000
NS_PER_DAY = 86_400 * 10**9


class Down(msgspec.Struct, frozen=True):
    """A connection's quotes stopped counting at `at_ns` (the engine closes what they fed)."""

    exchange: str
    instruments: list[str]
    at_ns: int


class FundingBatch(msgspec.Struct, frozen=True, array_like=True):
    """Funding records one poll of an exchange received at `at_ns` (the engine takes them as a batch)."""

    at_ns: int
    records: list[Funding]


class DepthBatch(msgspec.Struct, frozen=True, array_like=True):
    """The books a worker's flush sent the engine at `at_ns` (latest per symbol, as the engine got them)."""

    at_ns: int
    records: list[Depth]


# Down, FundingBatch and DepthBatch carry their time as `at_ns`; a Quote as `recv_ns`.
Event = Quote | Down | FundingBatch | DepthBatch

_encoder = msgspec.msgpack.Encoder()
_down_decoder = msgspec.msgpack.Decoder(Down)
_funding_decoder = msgspec.msgpack.Decoder(FundingBatch)
_depth_decoder = msgspec.msgpack.Decoder(DepthBatch)
# Any: a str comes back as str, a bin as bytes.
_raw_decoder = msgspec.msgpack.Decoder(list[tuple[int, Any]])

RawFrame = tuple[int, str | bytes]  # (recv_ns, the frame as received)


EPOCH = dt.date(1970, 1, 1)


def day_of_ns(at_ns: int) -> dt.date:
    return EPOCH + dt.timedelta(days=at_ns // NS_PER_DAY)


def event_ns(event: Event) -> int:
    return event.recv_ns if isinstance(event, Quote) else event.at_ns


def _recv_ns(quote: Quote) -> int:
    return quote.recv_ns


def _notice_ns(notice: tuple[int, bytes, bytes]) -> int:
    return notice[0]


def file_path(directory: Path, exchange: str, day: dt.date) -> Path:
    return directory / exchange / f"{day.isoformat()}{SUFFIX}"


def raw_file_path(directory: Path, exchange: str, day: dt.date, connection: int) -> Path:
    return directory / exchange / f"{day.isoformat()}.{connection}{RAW_SUFFIX}"


def _raw_ns(frame: RawFrame) -> int:
    return frame[0]


class RecordingWriter:
    """Appends quotes and down notices to the day's file of their exchange; deletes files older
    than `retention_days` at start and whenever a new day begins."""

    def __init__(self, directory: Path, retention_days: int) -> None:
        self.directory = Path(directory)
        self.retention_days = retention_days
        self.compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
        self.latest_day: dt.date | None = None
        # The latest day's files, open for appending: a record is then one write, not an open,
        # a stat, a write and a close (closed when a newer day begins, and by close()).
        self._open: dict[tuple[str, dt.date, int | None], int] = {}
        self.records = 0
        self.quotes = 0
        self.raw_frames = 0
        self.bytes_written = 0

    def write(
        self,
        quotes: list[Quote],
        downs: Iterable[Down] = (),
        funding: Iterable[FundingBatch] = (),
        depth: Iterable[DepthBatch] = (),
    ) -> None:
        """Quotes of any exchanges, in receive order per exchange, down notices, funding and depth."""
        by_exchange: dict[str, list[Quote]] = {}
        for quote in quotes:
            by_exchange.setdefault(quote.exchange, []).append(quote)
        self.write_grouped(by_exchange, downs, funding, depth)

    def write_grouped(
        self,
        quotes: dict[str, list[Quote]],
        downs: Iterable[Down] = (),
        funding: Iterable[FundingBatch] = (),
        depth: Iterable[DepthBatch] = (),
    ) -> None:
        """Each exchange's quotes (in receive order), down notices, funding polls and depth
        batches (of any exchanges, each batch's records split by exchange)."""
        notices: dict[str, list[tuple[int, bytes, bytes]]] = {}
        for down in downs:
            notices.setdefault(down.exchange, []).append((down.at_ns, DOWN, _encoder.encode(down)))
        for kind, batches in ((FUNDING, funding), (DEPTH, depth)):
            for batch in batches:
                by_exchange: dict[str, list] = {}
                for record in batch.records:
                    by_exchange.setdefault(record.exchange, []).append(record)
                for exchange, records in by_exchange.items():
                    payload = _encoder.encode(type(batch)(batch.at_ns, records))
                    notices.setdefault(exchange, []).append((batch.at_ns, kind, payload))
        for exchange, batch in quotes.items():
            self.write_exchange(exchange, batch, notices.pop(exchange, ()))
        for exchange, left in notices.items():
            self.write_exchange(exchange, [], left)

    def write_exchange(
        self, exchange: str, quotes: list[Quote], notices: Iterable[tuple[int, bytes, bytes]] = ()
    ) -> None:
        """One exchange's quotes in receive order: one record per day they span (the feed
        worker's path: nothing here looks at each quote, which is what keeps it cheap). Notices
        (time ns, kind, payload) go between the quotes received before and after them, so that
        a file reads in time order."""
        for at_ns, kind, payload in sorted(notices, key=_notice_ns):
            cut = bisect.bisect_left(quotes, at_ns, key=_recv_ns)
            self._write_quotes(exchange, quotes[:cut])
            self._append(exchange, day_of_ns(at_ns), kind, payload)
            quotes = quotes[cut:]
        self._write_quotes(exchange, quotes)

    def _write_quotes(self, exchange: str, quotes: list[Quote]) -> None:
        start = 0
        while start < len(quotes):
            days = quotes[start].recv_ns // NS_PER_DAY
            end = min(len(quotes), start + MAX_RECORD_QUOTES)
            if quotes[end - 1].recv_ns // NS_PER_DAY != days:
                end = bisect.bisect_left(quotes, (days + 1) * NS_PER_DAY, start, end, key=_recv_ns)
            self._append(exchange, EPOCH + dt.timedelta(days=days), QUOTES, encode_quotes(quotes[start:end]))
            self.quotes += end - start
            start = end

    def write_raw(self, exchange: str, connection: int, frames: list[RawFrame]) -> None:
        """One connection's raw frames in receive order: one record per day they span."""
        while frames:
            days = frames[0][0] // NS_PER_DAY
            cut = len(frames)
            if frames[-1][0] // NS_PER_DAY != days:
                cut = bisect.bisect_left(frames, (days + 1) * NS_PER_DAY, key=_raw_ns)
            day = EPOCH + dt.timedelta(days=days)
            self._append(exchange, day, RAW, _encoder.encode(frames[:cut]), connection)
            self.raw_frames += cut
            frames = frames[cut:]

    def _append(self, exchange: str, day: dt.date, kind: bytes, payload: bytes, connection: int | None = None) -> None:
        if self.latest_day is None or day > self.latest_day:
            self.latest_day = day
            self.close()
            self.prune(day)
        compressed = self.compressor.compress(payload)
        record = _HEAD.pack(kind, len(compressed)) + compressed
        key = (exchange, day, connection)
        fd = self._open.get(key)
        if fd is None:
            fd, empty = self._open_file(exchange, day, connection)
            if day == self.latest_day:
                self._open[key] = fd
            if empty:
                record = MAGIC + record
        try:
            # O_APPEND and one write per record: two writers of one exchange never interleave a record.
            os.write(fd, record)
        finally:
            if key not in self._open:  # a day before the latest (a batch across midnight): not kept
                os.close(fd)
        self.records += 1
        self.bytes_written += len(record)

    def _open_file(self, exchange: str, day: dt.date, connection: int | None) -> tuple[int, bool]:
        """An append descriptor of the day file, and whether the file was empty (needs the header)."""
        if connection is None:
            path = file_path(self.directory, exchange, day)
        else:
            path = raw_file_path(self.directory, exchange, day, connection)
        if not path.parent.is_dir():
            # Each level made 0700 itself: mkdir(parents=True) gives the parents the umask's mode.
            self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        return fd, os.fstat(fd).st_size == 0

    def close(self) -> None:
        """Close the files kept open; the next record opens its file again."""
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()

    def __del__(self) -> None:
        # A writer dropped without close() (tests, scripts) must not leave descriptors behind.
        if self._open and os is not None:
            self.close()

    def prune(self, today: dt.date) -> list[Path]:
        """Delete the day files (quotes and raw frames) older than the retention; returns them."""
        oldest_kept = today - dt.timedelta(days=self.retention_days - 1)
        removed = []
        paths = [*self.directory.glob(f"*/*{SUFFIX}"), *self.directory.glob(f"*/*{RAW_SUFFIX}")]
        for path in paths:
            day = _day_of_path(path)
            if day is not None and day < oldest_kept:
                path.unlink(missing_ok=True)
                removed.append(path)
        if removed:
            logger.info("recordings: %d day file(s) older than %d days deleted", len(removed), self.retention_days)
        return removed


@dataclass
class ReadStats:
    records: int = 0
    truncated: int = 0  # files that ended mid-record


def _records(path: Path, stats: ReadStats | None) -> Iterator[tuple[bytes, bytes]]:
    """(kind, decompressed payload) of each whole record of a file, in order."""
    stats = stats if stats is not None else ReadStats()
    decompressor = zstandard.ZstdDecompressor()
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path}: not a recording (no {MAGIC!r} header)")
    offset = len(MAGIC)
    while offset < len(data):
        if offset + _HEAD.size > len(data):
            stats.truncated += 1
            return
        kind, length = _HEAD.unpack_from(data, offset)
        start = offset + _HEAD.size
        if start + length > len(data):
            stats.truncated += 1
            return
        payload = decompressor.decompress(data[start : start + length])
        offset = start + length
        stats.records += 1
        yield kind, payload


def read_file(path: Path, stats: ReadStats | None = None) -> Iterator[list[Event]]:
    """The records of one file, in order: each a list of quotes, one down notice, one funding
    batch or one depth batch; records of a kind this reader does not know are skipped."""
    for kind, payload in _records(path, stats):
        if kind == QUOTES:
            yield decode_quotes(payload)
        elif kind == DOWN:
            yield [_down_decoder.decode(payload)]
        elif kind == FUNDING:
            yield [_funding_decoder.decode(payload)]
        elif kind == DEPTH:
            yield [_depth_decoder.decode(payload)]


def read_raw_file(path: Path, stats: ReadStats | None = None) -> Iterator[RawFrame]:
    """One connection's raw frames of one day, in order, each exactly as it was received."""
    for kind, payload in _records(path, stats):
        if kind == RAW:
            yield from _raw_decoder.decode(payload)


def recorded_exchanges(directory: Path) -> list[str]:
    return sorted(path.name for path in Path(directory).iterdir() if path.is_dir()) if directory.exists() else []


def read_period(
    directory: Path,
    from_ns: int,
    to_ns: int,
    exchanges: Iterable[str] | None = None,
    stats: ReadStats | None = None,
) -> Iterator[Event]:
    """Every recorded event with from_ns <= time < to_ns, all exchanges merged in time order."""
    directory = Path(directory)
    chosen = list(exchanges) if exchanges else recorded_exchanges(directory)
    first, last = day_of_ns(from_ns), day_of_ns(max(to_ns - 1, from_ns))
    streams = [_exchange_events(directory / exchange, first, last, from_ns, to_ns, stats) for exchange in chosen]
    return heapq.merge(*streams, key=event_ns)


def _exchange_events(
    folder: Path, first: dt.date, last: dt.date, from_ns: int, to_ns: int, stats: ReadStats | None
) -> Iterator[Event]:
    days = sorted((day, path) for path in folder.glob(f"*{SUFFIX}") if (day := _day_of_path(path)) is not None)
    for day, path in days:
        if not first <= day <= last:
            continue
        for record in read_file(path, stats):
            # Sorted per record: a worker's several connections may hand in quotes slightly out
            # of receive order, and the merge across exchanges needs each stream in order.
            record.sort(key=event_ns)
            for event in record:
                if from_ns <= event_ns(event) < to_ns:
                    yield event


def _day_of_path(path: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(path.name.partition(".")[0])
    except ValueError:
        return None
