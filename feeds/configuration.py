"""Admin changes to exchange and instrument settings, through the API (Django admin edits the
same rows). The engine and feed workers pick them up on their next refresh."""

from __future__ import annotations

from feeds.models import Exchange, Instrument


def update_exchange(exchange: Exchange, **fields) -> Exchange:
    for name, value in fields.items():
        setattr(exchange, name, value)
    exchange.save(update_fields=list(fields) or None)
    return exchange


def set_instrument_enabled(instrument: Instrument, enabled: bool) -> Instrument:
    """A disabled instrument is no longer subscribed to on its exchange."""
    instrument.enabled = enabled
    instrument.save(update_fields=["enabled", "updated_at"])
    return instrument
