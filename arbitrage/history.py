"""Each opportunity's life in the database: written in batches, off the tick path; pruned; summarised."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max

from arbitrage.models import Opportunity
from arbitrage.spreads import Spread
from arbitrage.tracker import Closed, LeftOpen, OpenOpportunity

_UPSERT_FIELDS = [
    "closed_at",
    "last_seen_at",
    "duration_ms",
    "close_reason",
    "ticks",
    "peak_net_spread_pct",
    "peak_gross_spread_pct",
    "peak_size_base",
    "peak_profit_quote",
    "peak_buy_price",
    "peak_sell_price",
    "depth_size_base",
    "depth_profit_quote",
]

# A life's most profitable depth walk so far: (size in coins, net profit in quote currency).
BestDepth = tuple[Decimal, Decimal]


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def opportunity_row(
    opportunity: OpenOpportunity, closed: Closed | None = None, best_depth: BestDepth | None = None
) -> Opportunity:
    peak = opportunity.peak
    return Opportunity(
        id=opportunity.id,
        group=opportunity.group,
        buy_exchange=opportunity.buy.exchange,
        buy_instrument=opportunity.buy.instrument,
        sell_exchange=opportunity.sell.exchange,
        sell_instrument=opportunity.sell.instrument,
        opened_at=_at(opportunity.opened_ms),
        closed_at=_at(closed.closed_ms) if closed else None,
        last_seen_at=_at(closed.closed_ms if closed else opportunity.updated_ms),
        duration_ms=closed.closed_ms - opportunity.opened_ms if closed else None,
        close_reason=closed.reason if closed else "",
        ticks=opportunity.ticks,
        open_net_spread_pct=round(opportunity.first_net_spread_pct, 8),
        peak_net_spread_pct=round(peak.net_spread_pct, 8),
        peak_gross_spread_pct=round(peak.gross_spread_pct, 8),
        peak_size_base=round(peak.size_base, 12),
        peak_profit_quote=round(peak.profit_quote, 12),
        peak_buy_price=round(peak.buy_price, 12),
        peak_sell_price=round(peak.sell_price, 12),
        basis_risk=peak.basis_risk,
        depth_size_base=None if best_depth is None else round(best_depth[0], 12),
        depth_profit_quote=None if best_depth is None else round(best_depth[1], 12),
    )


def record_opportunities(rows: list[Opportunity]) -> None:
    """Insert new lives and bring known ones up to date, in one statement."""
    Opportunity.objects.bulk_create(rows, update_conflicts=True, unique_fields=["id"], update_fields=_UPSERT_FIELDS)


def prune_opportunities(retention: timedelta) -> int:
    """Delete closed opportunities older than the retention; returns how many."""
    deleted, _ = Opportunity.objects.filter(
        closed_at__isnull=False, closed_at__lt=datetime.now(tz=UTC) - retention
    ).delete()
    return deleted


def open_lives() -> list[LeftOpen]:
    """The lives left open by an engine that stopped, for the next one to resume or close."""
    return [
        LeftOpen(
            id=row.id.hex,
            key=(row.buy_exchange, row.buy_instrument, row.sell_exchange, row.sell_instrument),
            opened_ms=_ms(row.opened_at),
            last_seen_ms=_ms(row.last_seen_at),
            ticks=row.ticks,
            first_net_spread_pct=row.open_net_spread_pct,
            peak=Spread(
                buy_price=row.peak_buy_price,
                sell_price=row.peak_sell_price,
                gross_spread_pct=row.peak_gross_spread_pct,
                net_spread_pct=row.peak_net_spread_pct,
                size_base=row.peak_size_base,
                profit_quote=row.peak_profit_quote,
                basis_risk=row.basis_risk,
            ),
            best_depth=None if row.depth_profit_quote is None else (row.depth_size_base, row.depth_profit_quote),
        )
        for row in Opportunity.objects.filter(closed_at__isnull=True).order_by()
    ]


def close_at_last_seen(ids: Iterable[str | uuid.UUID], reason: str) -> int:
    """Close these open lives at their last sighting, with its duration; how many closed.

    Conditional, row by row: a life closed meanwhile (by its engine, by another closer) keeps
    its own close.
    """
    closed = 0
    with transaction.atomic():
        rows = Opportunity.objects.filter(pk__in=list(ids), closed_at__isnull=True)
        for pk, opened_at, last_seen_at in rows.values_list("pk", "opened_at", "last_seen_at"):
            closed += Opportunity.objects.filter(pk=pk, closed_at__isnull=True).update(
                closed_at=last_seen_at, duration_ms=_ms(last_seen_at) - _ms(opened_at), close_reason=reason
            )
    return closed


def summary(since: datetime | None = None, group: str | None = None, limit: int = 200) -> list[dict]:
    """Per market and exchange pair: how many lives, their median duration, the best spread."""
    rows = Opportunity.objects.all()
    if since is not None:
        rows = rows.filter(opened_at__gte=since)
    if group is not None:
        rows = rows.filter(group=group)
    keys = ("group", "buy_exchange", "sell_exchange")
    aggregates = list(
        rows.values(*keys)
        .annotate(count=Count("id"), best_net_spread_pct=Max("peak_net_spread_pct"))
        .order_by("-best_net_spread_pct")[:limit]
    )
    durations: dict[tuple, list[int]] = {}
    for row in rows.filter(duration_ms__isnull=False).values_list(*keys, "duration_ms"):
        durations.setdefault(row[:3], []).append(row[3])
    for item in aggregates:
        found = durations.get(tuple(item[k] for k in keys))
        item["median_duration_ms"] = int(statistics.median(found)) if found else None
    return aggregates
