"""Periodic work for the feeds app (Celery beat)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from celery import shared_task

from feeds.configuration import disabled_exchange_ids
from feeds.exchanges import EXCHANGE_IDS
from feeds.instruments import load_instruments
from feeds.runner import configured_endpoints

logger = logging.getLogger(__name__)


@shared_task
def refresh_instruments() -> dict[str, int]:
    """Fetch every exchange's instrument list and store it (daily); exchange -> instruments listed.
    An exchange switched off (admin → Exchanges) is not asked.

    load_instruments keeps the stored list when an exchange cannot be reached, so one exchange
    being down changes nothing for the others.
    """
    counts = {}
    disabled = disabled_exchange_ids()
    for exchange_id in (eid for eid in EXCHANGE_IDS if eid not in disabled):
        listed = async_to_sync(load_instruments)(exchange_id, configured_endpoints(exchange_id).rest_url)
        counts[exchange_id] = len(listed)
    logger.info("instrument lists refreshed: %s", counts)
    return counts
