"""How many webhooks of one user are sent at once: ALERTS_WEBHOOK_PER_USER slots per user,
leased in the cache (Redis when scaled out, so every worker counts the same slots).

A delivery that finds its user's slots taken is queued again a moment later instead of
holding a worker: one user's slow endpoints occupy at most that many workers (or in-process
threads), never all of them. A lease outlives the longest attempt (the webhook deadline), so
a worker that dies holding one frees it when the lease ends.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LEASE_MARGIN_S = 10  # beyond the deadline: the claim, the record and a slow database
BUSY_RETRY_S = 1.0  # how soon a delivery that found no free slot is tried again


def _key(user_id: int, slot: int) -> str:
    return f"alerts:webhook-slot:{user_id}:{slot}"


@contextmanager
def webhook_slot(user_id: int) -> Iterator[bool]:
    """Hold one of the user's slots for the block; yields whether one was free."""
    lease_s = math.ceil(settings.ALERTS_WEBHOOK_TIMEOUT_S) + LEASE_MARGIN_S
    held = None
    try:
        for slot in range(settings.ALERTS_WEBHOOK_PER_USER):
            if cache.add(_key(user_id, slot), True, timeout=lease_s):
                held = _key(user_id, slot)
                break
    except RedisError as exc:  # availability over isolation: send without a slot
        logger.warning("webhook slots unavailable (%s); sending for user %s without one", exc, user_id)
        yield True
        return
    try:
        yield held is not None
    finally:
        if held is not None:
            try:
                cache.delete(held)
            except RedisError as exc:  # the lease ends by itself
                logger.warning("webhook slot %s not released: %s", held, exc)
