"""The latest quote per instrument and exchange. Pure: no Django, no I/O."""

from __future__ import annotations

from feeds.types import Quote


class QuoteBook:
    def __init__(self) -> None:
        self.latest: dict[str, dict[str, Quote]] = {}

    def apply(self, quotes: list[Quote]) -> list[Quote]:
        """Record quotes; return those that changed the book (older or repeated ones do not)."""
        changed = []
        latest = self.latest
        for quote in quotes:
            row = latest.get(quote.instrument)
            if row is None:
                row = latest[quote.instrument] = {}
            previous = row.get(quote.exchange)
            if previous is not None and (
                quote.ts_ms < previous.ts_ms
                or (
                    quote.bid == previous.bid
                    and quote.ask == previous.ask
                    and quote.bid_size == previous.bid_size
                    and quote.ask_size == previous.ask_size
                )
            ):
                continue
            row[quote.exchange] = quote
            changed.append(quote)
        return changed

    def instruments(self) -> list[str]:
        return sorted(self.latest)
