"""Periodic work for the arbitrage app (Celery beat)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from arbitrage.history import prune_opportunities

logger = logging.getLogger(__name__)


@shared_task
def prune_opportunity_history() -> int:
    deleted = prune_opportunities(timedelta(days=settings.OPPORTUNITY_RETENTION_DAYS))
    logger.info("pruned %d closed opportunities older than %d days", deleted, settings.OPPORTUNITY_RETENTION_DAYS)
    return deleted
