"""A feed worker's recorder: every quote the worker's sessions hand in, written to the day files
of feeds/recording.py about once a second.

A connection hands each frame's quotes to its exchange's sink (`quote_sink`: one C-level list
extend, the whole of what the tick path pays); encoding, compressing and writing happen on a
thread, once per flush, so a slow disk delays the recording, never the quotes. Funding records
(a poll every half minute or so), the depth batches sent to the engine (books on demand, at
most ten a second per book) and down notices are kept with their time. With
ARBSITE_RECORD_RAW each connection also keeps its raw frames (`RawFrames.add`, one append a
frame), written to files of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from feeds.depth import Depth
from feeds.funding import Funding
from feeds.recording import DepthBatch, Down, FundingBatch, RawFrame, RecordingWriter
from feeds.types import Quote

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 1.0
# Beyond this many quotes waiting (a disk that stopped answering), the oldest are dropped.
MAX_BUFFERED_QUOTES = 2_000_000
MAX_BUFFERED_DEPTH_BATCHES = 600  # a minute of the publisher's ten a second


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
        # Per exchange, its quotes in receive order. The lists live as long as the recorder: the
        # sinks handed out are their bound `extend`s (not `append`s of each frame's list, which
        # would keep thousands of lists alive for the garbage collector to walk).
        self.buffers: dict[str, list[Quote]] = {}
        self.downs: list[Down] = []
        self.funding: list[FundingBatch] = []
        self.depth: list[DepthBatch] = []
        self.raw: dict[tuple[str, int], RawFrames] = {}  # (exchange, connection) -> its frames
        self.dropped_quotes = 0
        self.dropped_raw_frames = 0
        self.failed_writes = 0

    @property
    def buffered(self) -> int:
        return sum(map(len, self.buffers.values()))

    def quote_sink(self, exchange_id: str) -> Callable[[list[Quote]], None]:
        """Where a connection of `exchange_id` hands each frame's quotes."""
        return self.buffers.setdefault(exchange_id, []).extend

    def add(self, quotes: list[Quote]) -> None:
        """Quotes all of one exchange (one frame's), from anything that has no sink of its own."""
        if quotes:
            self.quote_sink(quotes[0].exchange)(quotes)

    def _take_quotes(self) -> dict[str, list[Quote]]:
        """Each exchange's quotes since the last flush; the sinks' lists emptied in place."""
        taken = {}
        for exchange, buffer in self.buffers.items():
            if buffer:
                taken[exchange] = buffer.copy()
                buffer.clear()
        return taken

    def _put_back(self, taken: dict[str, list[Quote]]) -> None:
        """Quotes a failed write took, ahead of what arrived since, the oldest dropped past the bound."""
        for exchange, quotes in taken.items():
            self.buffers.setdefault(exchange, [])[:0] = quotes
        excess = self.buffered - MAX_BUFFERED_QUOTES
        for buffer in self.buffers.values():
            dropped = min(max(excess, 0), len(buffer))
            del buffer[:dropped]
            self.dropped_quotes += dropped
            excess -= dropped

    def connection_down(self, exchange_id: str, instruments: list[str], at_ns: int) -> None:
        self.downs.append(Down(exchange_id, list(instruments), at_ns))

    def raw_frames(self, exchange_id: str, connection: int) -> RawFrames:
        """The sink of one connection's raw frames (its number within the worker, from 0)."""
        return self.raw.setdefault((exchange_id, connection), RawFrames())

    def add_funding(self, records: list[Funding]) -> None:
        """One poll's funding records, as the publisher hands them on."""
        if records:
            self.funding.append(FundingBatch(time.time_ns(), list(records)))

    def add_depth(self, records: list[Depth]) -> None:
        """One depth batch as the publisher sends it to the engine."""
        if records:
            self.depth.append(DepthBatch(time.time_ns(), list(records)))

    async def flush(self) -> None:
        if self.raw:
            await self._flush_raw()
        quotes = self._take_quotes()
        if not (quotes or self.downs or self.funding or self.depth):
            return
        downs, self.downs = self.downs, []
        funding, self.funding = self.funding, []
        depth, self.depth = self.depth, []
        try:
            await asyncio.to_thread(self._write, quotes, downs, funding, depth)
        except OSError as exc:
            # Kept for the next flush, bounded: a full disk must not eat the worker's memory.
            self.failed_writes += 1
            if self.failed_writes in (1, 10) or self.failed_writes % 100 == 0:
                logger.warning("recording not written (%d failures so far): %s", self.failed_writes, exc)
            self._put_back(quotes)
            self.downs, self.funding = downs + self.downs, funding + self.funding
            # Books are ephemeral like quotes, but a minute of them is small: kept as well.
            self.depth = (depth + self.depth)[-MAX_BUFFERED_DEPTH_BATCHES:]

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

    def _write(
        self,
        quotes: dict[str, list[Quote]],
        downs: list[Down],
        funding: Sequence[FundingBatch] = (),
        depth: Sequence[DepthBatch] = (),
    ) -> None:
        # A failure part-way writes some exchanges twice on the retry: a replay sees a few
        # quotes again, which the book ignores; losing them silently would be worse.
        self.writer.write_grouped(quotes, downs, funding, depth)

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.flush_interval_s)
                await self.flush()
        finally:
            # What the last second held, also on a graceful stop (on this thread: the loop is ending).
            quotes, downs, funding, depth = self._take_quotes(), self.downs, self.funding, self.depth
            self.downs, self.funding, self.depth = [], [], []
            self._write(quotes, downs, funding, depth)
            self._write_raw(self._take_raw())
            self.writer.close()
