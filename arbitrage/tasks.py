"""Periodic work for the arbitrage app (Celery beat)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from arbitrage.history import close_at_last_seen, prune_opportunities
from arbitrage.models import Opportunity
from arbitrage.quote_cache import OPPORTUNITIES_KEY

logger = logging.getLogger(__name__)


@shared_task
def prune_opportunity_history() -> int:
    deleted = prune_opportunities(timedelta(days=settings.OPPORTUNITY_RETENTION_DAYS))
    logger.info("pruned %d closed opportunities older than %d days", deleted, settings.OPPORTUNITY_RETENTION_DAYS)
    return deleted


@shared_task
def close_stale_opportunities() -> int:
    """Close opportunity rows left open that no running engine holds; how many.

    The engine closes an opportunity whose quotes went stale in its memory, and writes that.
    A row stays open only when that write never came: the engine stopped (the next one resumes
    or closes such rows when it starts: Engine.take_over) or its database was down too long.
    The engine's open set in the cache is its heartbeat: rewritten on every change, gone an hour
    after the last one (quote_cache.QUOTE_TTL_S). A row not seen for OPPORTUNITY_STALE_AFTER_S
    that is not in that set is closed as `stale`, at its last sighting.
    """
    now = timezone.now()
    held = {uuid.UUID(str(key)) for key in (cache.get(OPPORTUNITIES_KEY) or {})}
    candidates = Opportunity.objects.filter(
        closed_at__isnull=True, last_seen_at__lt=now - timedelta(seconds=settings.OPPORTUNITY_STALE_AFTER_S)
    ).values_list("id", flat=True)
    closed = close_at_last_seen((pk for pk in candidates if pk not in held), "stale")
    if closed:
        logger.info("closed %d opportunities no engine holds", closed)
    return closed
