"""A feed worker's recorder: every quote the worker's sessions hand in, written to the day files
of feeds/recording.py about once a second.

`add` is all the tick path pays (a list append); encoding, compressing and writing happen on a
thread, once per flush, so a slow disk delays the recording, never the quotes. Funding records
(a poll every half minute or so) and down notices are kept with their receive time. With
ARBSITE_RECORD_RAW each connection also keeps its raw frames (`RawFrames.add`, one append a
frame), written to files of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from feeds.funding import Funding
from feeds.recording import Down, FundingBatch, RawFrame, RecordingWriter
from feeds.types import Quote

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 1.0
# Beyond this many quotes waiting (a disk that stopped answering), the oldest are dropped.
MAX_BUFFERED_QUOTES = 2_000_000


class RawFrames:
    """One connection's raw frames since the last flush."""

    __slots__ = ("frames",)

    def __init__(self) -> None:
        self.frames: list[RawFrame] = []

    def add(self, raw: str | bytes, recv_ns: int) -> None:
        self.frames.append((recv_ns, raw))


class QuoteRecorder:
    def __init__(self, directory: Path, retention_days: int, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.writer = RecordingWriter(directory, retention_days)
        self.flush_interval_s = flush_interval_s
        self.buffers: dict[str, list[Quote]] = {}  # per exchange, in receive order
        self.downs: list[Down] = []
        self.funding: list[FundingBatch] = []
        self.raw: dict[tuple[str, int], RawFrames] = {}  # (exchange, connection) -> its frames
        self.dropped_quotes = 0
        self.dropped_raw_frames = 0
        self.failed_writes = 0

    @property
    def buffered(self) -> int:
        return sum(map(len, self.buffers.values()))

    def add(self, quotes: list[Quote]) -> None:
        """A session's quotes, all of one exchange (one frame's)."""
        if quotes:
            buffer = self.buffers.get(quotes[0].exchange)
            if buffer is None:
                self.buffers[quotes[0].exchange] = list(quotes)
            else:
                buffer += quotes

    def connection_down(self, exchange_id: str, instruments: list[str], at_ns: int) -> None:
        self.downs.append(Down(exchange_id, list(instruments), at_ns))

    def raw_frames(self, exchange_id: str, connection: int) -> RawFrames:
        """The sink of one connection's raw frames (its number within the worker, from 0)."""
        return self.raw.setdefault((exchange_id, connection), RawFrames())

    def add_funding(self, records: list[Funding]) -> None:
        """One poll's funding records, as the publisher hands them on."""
        if records:
            self.funding.append(FundingBatch(time.time_ns(), list(records)))

    async def flush(self) -> None:
        if self.raw:
            await self._flush_raw()
        if not (self.buffers or self.downs or self.funding):
            return
        buffers, self.buffers = self.buffers, {}
        downs, self.downs = self.downs, []
        funding, self.funding = self.funding, []
        try:
            await asyncio.to_thread(self._write, buffers, downs, funding)
        except OSError as exc:
            # Kept for the next flush, bounded: a full disk must not eat the worker's memory.
            self.failed_writes += 1
            if self.failed_writes in (1, 10) or self.failed_writes % 100 == 0:
                logger.warning("recording not written (%d failures so far): %s", self.failed_writes, exc)
            for exchange, quotes in self.buffers.items():
                buffers[exchange] = buffers.get(exchange, []) + quotes
            self.buffers, self.downs, self.funding = buffers, downs + self.downs, funding + self.funding
            excess = self.buffered - MAX_BUFFERED_QUOTES
            if excess > 0:
                for quotes in self.buffers.values():
                    dropped = min(excess, len(quotes))
                    del quotes[:dropped]
                    self.dropped_quotes += dropped
                    excess -= dropped

    def _take_raw(self) -> dict[tuple[str, int], list[RawFrame]]:
        taken = {}
        for key, sink in self.raw.items():
            if sink.frames:
                taken[key], sink.frames = sink.frames, []
        return taken

    async def _flush_raw(self) -> None:
        """Raw frames are a debugging aid: a flush the disk refused is dropped and counted, not kept."""
        taken = self._take_raw()
        if not taken:
            return
        try:
            await asyncio.to_thread(self._write_raw, taken)
        except OSError as exc:
            self.dropped_raw_frames += sum(map(len, taken.values()))
            logger.warning("raw frames not written (%d dropped so far): %s", self.dropped_raw_frames, exc)

    def _write_raw(self, taken: dict[tuple[str, int], list[RawFrame]]) -> None:
        for (exchange, connection), frames in taken.items():
            self.writer.write_raw(exchange, connection, frames)

    def _write(self, buffers: dict[str, list[Quote]], downs: list[Down], funding: Sequence[FundingBatch] = ()) -> None:
        # A failure part-way writes some exchanges twice on the retry: a replay sees a few
        # quotes again, which the book ignores; losing them silently would be worse.
        self.writer.write_grouped(buffers, downs, funding)

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.flush_interval_s)
                await self.flush()
        finally:
            # What the last second held, also on a graceful stop (on this thread: the loop is ending).
            buffers, downs, funding = self.buffers, self.downs, self.funding
            self.buffers, self.downs, self.funding = {}, [], []
            self._write(buffers, downs, funding)
            self._write_raw(self._take_raw())
