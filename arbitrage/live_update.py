"""One coalesced update, encoded once: the /ws fragments of the quotes and opportunities that
changed, for the cache and for every web process alike (arbitrage.fanout splices them into
each connection's frame). Quotes are read from the engine's one store (arbitrage.book), which
keeps each one's fragment; what is kept here are the open opportunities as last encoded (with
their funding leg and depth then), so a cache that restarted empty can be written whole
again. No I/O: the engine writes and sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from arbitrage.book import QuoteBook
from arbitrage.depth_levels import EncodedLevels, LevelsOf
from arbitrage.messages import MessageOf, OpportunityClosedMessage, fragment
from arbitrage.quote_cache import CachedOpportunity
from arbitrage.tracker import Closed, OpenOpportunity


@dataclass
class Update:
    items: list[list[str]]  # [instrument, quote fragment], of the watched instruments
    rows: dict[str, dict[str, str]]  # instrument -> exchange -> quote fragment, the rows that changed
    opportunities: list[list[str]]  # [buy instrument, sell instrument, fragment], watched
    closed: list[list[str]]  # the same, of the opportunities that closed
    # opportunity id -> the levels its depth walked (arbitrage.depth_levels), of the watched
    # opportunities with depth: what a process re-walks them at other fees from
    levels: dict[str, EncodedLevels] = field(default_factory=dict)

    @property
    def sending(self) -> bool:
        return bool(self.items or self.opportunities or self.closed)


class LiveState:
    def __init__(self, book: QuoteBook) -> None:
        self.book = book
        self.open_fragments: dict[str, CachedOpportunity] = {}  # opportunity id -> its entry
        self.open_levels: dict[str, EncodedLevels] = {}  # opportunity id -> its walked levels, where it has depth

    def all_rows(self) -> dict[str, dict[str, str]]:
        """instrument -> exchange -> quote fragment, of every quote in the book."""
        book = self.book
        return {instrument: book.row_fragments(instrument) for instrument in book.latest}

    def encode(
        self,
        quotes: Iterable[tuple[str, str]],
        opened: Iterable[OpenOpportunity],
        closed: Iterable[Closed],
        message_of: MessageOf,
        at_ms: int,
        watched: set[str] | None,
        levels_of: LevelsOf | None = None,
        opportunities_watched: set[str] | None = None,  # whose opportunities someone takes (None: all)
    ) -> Update:
        """The update of these changes (`quotes`: the book's (instrument, exchange) that changed;
        `watched`: the instruments someone watches, None for all), the open opportunities kept
        as they are encoded; `levels_of` gives each opportunity's walked levels, carried beside
        it so its depth can be walked again at a user's fees."""
        book = self.book
        items = [[instrument, book.fragment(instrument, exchange)] for instrument, exchange in quotes]
        rows = {instrument: book.row_fragments(instrument) for instrument in dict.fromkeys(i for i, _ in items)}
        opportunities, levels = [], {}
        for opportunity in opened:
            # Encoded once with its funding leg and depth, spliced as is into every recipient's message.
            entry = (
                opportunity.buy.instrument,
                opportunity.sell.instrument,
                fragment(message_of(opportunity, at_ms)),
            )
            self.open_fragments[opportunity.id] = entry
            opportunities.append(list(entry))
            walked = levels_of(opportunity, at_ms) if levels_of is not None else None
            if walked is None:
                self.open_levels.pop(opportunity.id, None)
                continue
            self.open_levels[opportunity.id] = walked
            if opportunities_watched is None or entry[0] in opportunities_watched or entry[1] in opportunities_watched:
                levels[opportunity.id] = walked
        closed_items = []
        for item in closed:
            opportunity = item.opportunity
            self.open_fragments.pop(opportunity.id, None)
            self.open_levels.pop(opportunity.id, None)
            closed_items.append(
                [
                    opportunity.buy.instrument,
                    opportunity.sell.instrument,
                    fragment(OpportunityClosedMessage.from_closed(item)),
                ]
            )
        if watched is not None:
            items = [item for item in items if item[0] in watched]
        if opportunities_watched is not None:
            wanted = opportunities_watched
            opportunities = [item for item in opportunities if item[0] in wanted or item[1] in wanted]
        return Update(items, rows, opportunities, closed_items, levels)


def due_to_send(
    pending: dict[str, OpenOpportunity], sent_at_ms: dict[str, int], now_ms: int, resend_ms: int
) -> tuple[dict[str, OpenOpportunity], dict[str, OpenOpportunity]]:
    """(due, held): an opportunity never sent (an opening) is due at once; one sent before is
    due again `resend_ms` after it last went, latest figures winning meanwhile. A market of
    hundreds of coins moves its open opportunities on nearly every tick, and each connection
    taking them all would otherwise get each one up to every fan-out."""
    due, held = {}, {}
    for opportunity_id, opportunity in pending.items():
        last_ms = sent_at_ms.get(opportunity_id)
        if last_ms is None or now_ms - last_ms >= resend_ms:
            due[opportunity_id] = opportunity
        else:
            held[opportunity_id] = opportunity
    return due, held
