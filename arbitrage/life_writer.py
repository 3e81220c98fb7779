"""The engine's side of each opportunity's life in the database: what changed since the last
write, held until the next batch (every HISTORY_FLUSH_S), and the lives a previous engine
left open that were not resumed in time, closed at their last sighting.

A database that is down loses nothing stored: a batch that fails goes back under anything
newer, bounded by MAX_PENDING_HISTORY. The rows and queries are arbitrage.history's.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.db import DatabaseError

from arbitrage.depth_walk import DepthFill
from arbitrage.history import BestDepth, close_at_last_seen, opportunity_row, record_opportunities
from arbitrage.tracker import Closed, LeftOpen, OpenOpportunity
from lib.service_watch import ServiceWatch

HISTORY_FLUSH_S = 1.0
MAX_PENDING_HISTORY = 100_000  # rows kept for a database that is down, beyond which the oldest go
# A life the previous engine left open is resumed when its pair is seen open again within this
# long of its last sighting: enough for a restart (a process up again and its feeds' first ticks
# in ~5–10 s), plus the flush interval its last sighting may be behind by. A longer gap is two
# lives: with nobody looking, the gap may well have closed and opened again in between.
RESUME_GRACE_MS = 15_000
LEFT_OPEN_REASON = "engine stopped"


class LifeWriter:
    def __init__(self, database: ServiceWatch) -> None:
        self.database = database
        # opportunity id -> its latest state, how it closed (None: open) and its best depth
        # walk, since the last write
        self.pending: dict[str, tuple[OpenOpportunity, Closed | None, BestDepth | None]] = {}
        self.unresumed: list[LeftOpen] = []  # to close at their last sighting
        # open opportunity id -> its most profitable walk of both books so far (at the admin's fees)
        self.best_depth: dict[str, BestDepth] = {}

    def note(self, opportunity: OpenOpportunity, closed: Closed | None = None) -> None:
        best = self.best_depth.pop(opportunity.id, None) if closed else self.best_depth.get(opportunity.id)
        self.pending[opportunity.id] = (opportunity, closed, best)

    def note_depth(self, opportunity: OpenOpportunity, fill: DepthFill | None) -> None:
        """An open opportunity's books walked again: kept, and written, when it pays more than
        any walk before in its life."""
        if fill is None:
            return
        best = self.best_depth.get(opportunity.id)
        if best is None or fill.profit_quote > best[1]:
            self.best_depth[opportunity.id] = (fill.size_base, fill.profit_quote)
            self.note(opportunity)

    def expect(self, lives: list[LeftOpen]) -> None:
        """Lives an earlier engine left open: a resumed one goes on from its best walk as written."""
        for life in lives:
            if life.best_depth is not None:
                self.best_depth[life.id] = life.best_depth

    async def write(self, unresumed: list[LeftOpen]) -> None:
        """Write every life that changed since the last call (its last sighting with it), and
        close `unresumed` with those still waiting."""
        self.unresumed += unresumed
        for life in unresumed:
            self.best_depth.pop(life.id, None)
        if self.pending:
            await self._write_lives()
        if self.unresumed:
            try:
                await database_sync_to_async(close_at_last_seen)([life.id for life in self.unresumed], LEFT_OPEN_REASON)
                self.database.succeeded()
                self.unresumed = []
            except DatabaseError as exc:
                self.database.failed(exc, "lives left open not closed, retrying with the next batch")

    async def _write_lives(self) -> None:
        batch, self.pending = self.pending, {}
        rows = [opportunity_row(opportunity, closed, best) for opportunity, closed, best in batch.values()]
        try:
            await database_sync_to_async(record_opportunities)(rows)
            self.database.succeeded()
        except DatabaseError as exc:
            self.database.failed(exc, "opportunity history not written, retrying with the next batch")
            # Nothing stored is lost: put the batch back under anything newer, bounded.
            merged = {**batch, **self.pending}
            excess = len(merged) - MAX_PENDING_HISTORY
            for key in list(merged)[: max(excess, 0)]:
                del merged[key]
            self.pending = merged
