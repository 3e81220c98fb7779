"""Exchange and instrument settings: what an admin changes through the API (Django admin edits
the same rows; the engine and feed workers pick them up on their next refresh), and the reads
that pages, forms and /health share instead of asking the connectors (feeds.exchanges)."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache

from feeds.models import Exchange, Instrument

FEES_KEY = "exchanges:fees"
# As often as the engine reads the same rows again (arbitrage.engine.CONFIG_REFRESH_S): a fee
# edited in Django admin reaches users' own net figures when it reaches the engine's.
FEES_TTL_S = 30


def update_exchange(exchange: Exchange, **fields) -> Exchange:
    for name, value in fields.items():
        setattr(exchange, name, value)
    exchange.save(update_fields=list(fields) or None)
    cache.delete(FEES_KEY)
    return exchange


def exchange_fees() -> dict[str, tuple[Decimal, Decimal]]:
    """id -> (taker fee %, maker fee %) of each exchange (admin → Exchanges), from the cache."""
    fees = cache.get(FEES_KEY)
    if fees is None:
        rows = Exchange.objects.order_by("id").values_list("id", "taker_fee_pct", "maker_fee_pct")
        fees = {exchange: (taker, maker) for exchange, taker, maker in rows}
        cache.set(FEES_KEY, fees, FEES_TTL_S)
    return fees


def set_instrument_enabled(instrument: Instrument, enabled: bool) -> Instrument:
    """A disabled instrument is no longer subscribed to on its exchange."""
    instrument.enabled = enabled
    instrument.save(update_fields=["enabled", "updated_at"])
    return instrument


def exchange_names(*, enabled_only: bool = False) -> dict[str, str]:
    """id -> name of each exchange (admin → Exchanges), by id; `enabled_only`: those an admin
    has not switched off, which the feed workers run and the pages and /health expect."""
    rows = Exchange.objects.filter(enabled=True) if enabled_only else Exchange.objects.all()
    return dict(rows.order_by("id").values_list("id", "name"))


def expected_exchanges() -> dict[str, int]:
    """id -> max quote age (ms) of each exchange not switched off: the feeds the pages and
    /health expect to run, and how stale each one's quotes may get."""
    rows = Exchange.objects.filter(enabled=True).order_by("id")
    return dict(rows.values_list("id", "max_quote_age_ms"))


def disabled_exchange_ids() -> set[str]:
    """The exchanges an admin switched off: no feed worker runs them. An exchange with no row
    is not switched off: it runs with the default settings."""
    return set(Exchange.objects.filter(enabled=False).values_list("id", flat=True))
