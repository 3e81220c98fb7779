"""Which engine updates one /ws connection missed, and which of those a snapshot made good.

`price_update`, `arbitrage_opportunities` and `opportunity_closed` carry the engine update's
`seq` (one update may arrive as several of these messages, all with the same seq). A
connection that watches everything sees every update, so its seqs are consecutive and a
jump is a missed update. A server that has to drop frames for a slow client sends a
`snapshot` again (a resync), possibly in pages, possibly carrying the seq it is current to:

- missed updates followed by a resync snapshot were *resynced* (the client caught up);
- missed updates with no snapshot in between were *lost* (the client shows stale data
  without knowing it).

The snapshot sent on connecting is not a resync. A snapshot without a seq is accepted: the
next gap counts as resynced.

A connection that subscribed like a page (some instruments' quotes) sees only the updates that
carry what it watches: there a gap with no snapshot is *skipped*, not lost, since it cannot
tell an update it was never sent from one it missed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SeqCounts:
    updates: int = 0  # distinct engine updates received
    lost: int = 0  # updates missed with no snapshot after them
    resynced: int = 0  # updates missed, then covered by a snapshot
    resyncs: int = 0  # snapshots after the first (a set of pages counts once)
    seq_resets: int = 0  # seq went backwards: the engine restarted
    skipped: int = 0  # narrowed subscription: updates not sent to it (or lost: it cannot tell)


class SeqTracker:
    def __init__(self, narrowed: bool = False) -> None:
        self.narrowed = narrowed  # subscribed to some instruments: not every update comes
        self.counts = SeqCounts()
        self.last_seq: int | None = None
        self.snapshots = 0
        self._covered = False  # a snapshot without seq arrived since the last update
        self._page: tuple[int, int] | None = None  # (page, pages) of the last snapshot page

    def on_update(self, seq: int) -> None:
        self._page = None
        last = self.last_seq
        if last is not None and seq == last:
            return  # another message of the same engine update
        counts = self.counts
        if last is not None and seq < last:
            counts.seq_resets += 1
        elif last is not None and seq > last + 1:
            if self._covered:
                counts.resynced += seq - last - 1
            elif self.narrowed:
                counts.skipped += seq - last - 1
            else:
                counts.lost += seq - last - 1
        counts.updates += 1
        self.last_seq = seq
        self._covered = False

    def on_snapshot(self, seq: int | None = None, page: int | None = None, pages: int | None = None) -> None:
        if not self._continues_pages(page, pages):
            self.snapshots += 1
            if self.snapshots > 1:
                self.counts.resyncs += 1
        self._page = (page, pages) if page is not None and pages is not None else None
        if seq is None:
            self._covered = self.snapshots > 1
            return
        if self.last_seq is not None and seq > self.last_seq:
            self.counts.resynced += seq - self.last_seq
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq

    def _continues_pages(self, page: int | None, pages: int | None) -> bool:
        """Whether this snapshot is the next page of the one before (pages may count from 0 or 1)."""
        if self._page is None or page is None:
            return False
        previous_page, previous_pages = self._page
        return pages == previous_pages and page == previous_page + 1

    def reset_counts(self) -> None:
        """Start counting afresh (the measured window opens), remembering where the seqs are."""
        self.counts = SeqCounts()
