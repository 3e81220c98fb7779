"""Periodic work for paper trading (Celery beat): funding on paper positions."""

from __future__ import annotations

from celery import shared_task

from lib.clock import now_ms
from paper.funding_settlement import run


@shared_task
def settle_paper_funding() -> int:
    """Book the funding events that have passed on paper positions (paper.funding_settlement);
    how many payments were booked. Safe to run twice."""
    return len(run(now_ms()))
