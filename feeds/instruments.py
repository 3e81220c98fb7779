"""Instrument lists: fetched from each exchange's public endpoint, kept in the database,
reused from it when the exchange cannot be reached."""

from __future__ import annotations

import logging

import aiohttp
from channels.db import database_sync_to_async
from django.db import transaction

from feeds import types
from feeds.models import Instrument
from feeds.rest import fetch_instruments

logger = logging.getLogger(__name__)


@transaction.atomic
def store_instruments(exchange_id: str, listed: list[types.Instrument]) -> None:
    """Upsert the exchange's list; what it no longer lists is kept but marked unlisted."""
    symbols = {item.symbol for item in listed}
    existing = {row.symbol: row for row in Instrument.objects.filter(exchange=exchange_id)}
    for item in listed:
        fields = {
            "instrument": item.instrument,
            "base": item.base,
            "quote": item.quote,
            "settle": item.settle,
            "linear": item.linear,
            "contract_size": item.contract_size,
            "tick_size": item.tick_size,
            "coin": item.coin,
            "multiplier": item.multiplier,
            "qty_step_contracts": item.qty_step_contracts,
            "min_qty_contracts": item.min_qty_contracts,
            "listed": True,
        }
        row = existing.get(item.symbol)
        if row is None:
            Instrument.objects.create(exchange=exchange_id, symbol=item.symbol, **fields)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
    Instrument.objects.filter(exchange=exchange_id).exclude(symbol__in=symbols).update(listed=False)


def stored_instruments(exchange_id: str) -> list[types.Instrument]:
    return [row.to_value() for row in Instrument.objects.filter(exchange=exchange_id, listed=True)]


def disabled_symbols(exchange_id: str) -> set[str]:
    return set(Instrument.objects.filter(exchange=exchange_id, enabled=False).values_list("symbol", flat=True))


async def load_instruments(exchange_id: str, rest_url: str) -> list[types.Instrument]:
    """The exchange's list, fresh when it answers, from the database when it does not."""
    try:
        listed = await fetch_instruments(exchange_id, rest_url)
    except (OSError, aiohttp.ClientError, TimeoutError, types.FrameError) as exc:
        logger.warning("%s: instrument list unavailable (%s); using the stored one", exchange_id, exc)
        return await database_sync_to_async(stored_instruments)(exchange_id)
    await database_sync_to_async(store_instruments)(exchange_id, listed)
    return listed
