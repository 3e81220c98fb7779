"""The engine's side of each opportunity's life in the database: what changed since the last
write, held until the next batch (every HISTORY_FLUSH_S), and the lives a previous engine
left open that were not resumed in time, closed at their last sighting.

A database that is down loses nothing stored: a batch that fails goes back under anything
newer, bounded by MAX_PENDING_HISTORY. The rows and queries are arbitrage.history's.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.db import DatabaseError

from arbitrage.history import close_at_last_seen, opportunity_row, record_opportunities
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
        # opportunity id -> its latest state, and how it closed (None: open), since the last write
        self.pending: dict[str, tuple[OpenOpportunity, Closed | None]] = {}
        self.unresumed: list[LeftOpen] = []  # to close at their last sighting

    def note(self, opportunity: OpenOpportunity, closed: Closed | None = None) -> None:
        self.pending[opportunity.id] = (opportunity, closed)

    async def write(self, unresumed: list[LeftOpen]) -> None:
        """Write every life that changed since the last call (its last sighting with it), and
        close `unresumed` with those still waiting."""
        self.unresumed += unresumed
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
        rows = [opportunity_row(opportunity, closed) for opportunity, closed in batch.values()]
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
