"""The engine's one store of quotes: the latest per instrument and exchange, and each one's /ws
fragment once it has been encoded. Pure: no Django, no I/O.

The rest of the engine reads it rather than keeping a copy of its own:
- the tracker (arbitrage.tracker) is fed the book's quotes only (`apply`'s first list), so its
  markets index the book's usable quotes by market, with the floats screening needs, and never
  hold a quote the book does not (an out-of-order quote the book drops does not reach it);
- the fan-out keeps only which quotes changed since the last update (Engine.pending_quotes)
  and encodes them from here;
- the cache's rows are written from here (`row_fragments`), each quote encoded once.

So the quote an opportunity is priced from is the quote the cache holds and the pages read,
and both judge its age alike (arbitrage.read_model).
"""

from __future__ import annotations

from arbitrage.messages import quote_fragment
from feeds.types import Quote

# A quote equal to the book's (prices and sizes) but stamped this much later replaces it: it
# confirms the price, and the pages and the tracker then age it from the newer time. Sooner
# repeats (some exchanges resend an unchanged top of book many times a second) are not worth
# an update to every browser. An exchange whose max quote age is under twice this refreshes at
# half its max age (`refresh_for`), so a price it keeps confirming never turns stale.
REPEAT_REFRESH_MS = 1_000


def refresh_for(max_age_ms: int) -> int:
    return min(REPEAT_REFRESH_MS, max_age_ms // 2)


class QuoteBook:
    def __init__(self, repeat_refresh_ms: int = REPEAT_REFRESH_MS) -> None:
        self.latest: dict[str, dict[str, Quote]] = {}  # instrument -> exchange -> quote
        self.repeat_refresh_ms = repeat_refresh_ms  # for an exchange not in `refresh_ms_by_exchange`
        self.refresh_ms_by_exchange: dict[str, int] = {}
        self._fragments: dict[tuple[str, str], str] = {}  # (instrument, exchange) -> its quote's fragment

    def apply(self, quotes: list[Quote]) -> tuple[list[Quote], list[Quote]]:
        """Record quotes. Returns what the tracker should see, and the quotes that changed the
        book (for the cache and /ws).

        An older quote (by exchange time) is dropped. An unchanged one (prices and sizes)
        stamped less than its exchange's refresh time after the book's leaves the book as it is, but is
        still a sighting: the tracker sees the book's quote again (same prices, the book's age),
        so an opportunity counts its tick while it is aged from what the cache holds.
        """
        seen, changed = [], []
        latest = self.latest
        default_refresh_ms = self.repeat_refresh_ms
        by_exchange = self.refresh_ms_by_exchange
        for quote in quotes:
            row = latest.get(quote.instrument)
            if row is None:
                row = latest[quote.instrument] = {}
            previous = row.get(quote.exchange)
            if previous is not None:
                if quote.ts_ms < previous.ts_ms:
                    continue
                if (
                    quote.bid == previous.bid
                    and quote.ask == previous.ask
                    and quote.bid_size == previous.bid_size
                    and quote.ask_size == previous.ask_size
                    and quote.ts_ms - previous.ts_ms < by_exchange.get(quote.exchange, default_refresh_ms)
                ):
                    seen.append(previous)
                    continue
            row[quote.exchange] = quote
            self._fragments.pop((quote.instrument, quote.exchange), None)
            seen.append(quote)
            changed.append(quote)
        return seen, changed

    def quote(self, instrument: str, exchange: str) -> Quote:
        return self.latest[instrument][exchange]

    def fragment(self, instrument: str, exchange: str) -> str:
        """The latest quote's /ws fragment (QuoteMessage JSON), encoded on first use."""
        key = (instrument, exchange)
        text = self._fragments.get(key)
        if text is None:
            text = self._fragments[key] = quote_fragment(self.latest[instrument][exchange])
        return text

    def row_fragments(self, instrument: str) -> dict[str, str]:
        """exchange -> fragment of every quote of `instrument`: its row in the cache."""
        return {exchange: self.fragment(instrument, exchange) for exchange in self.latest.get(instrument, ())}

    def instruments(self) -> list[str]:
        return sorted(self.latest)
