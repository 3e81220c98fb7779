"""Ending a user's open /ws connections when their access ends, rather than at the next check."""

from __future__ import annotations

import logging

from accounts.alerts.transports.base import DeliveryError
from accounts.alerts.transports.in_app import send_to_user_connections

logger = logging.getLogger(__name__)

REVOKED_EVENT = "live.revoked"  # handled by arbitrage.consumers.LiveFeedConsumer.live_revoked


def end_live_connections(user_id: int, session_key: str | None = None, reason: str = "logged out") -> None:
    """Close the user's connections: those of one session when given, else all of them.
    Connections the push misses (the layer is down) end at their next periodic check."""
    try:
        send_to_user_connections(user_id, {"type": REVOKED_EVENT, "session_key": session_key, "reason": reason})
    except DeliveryError as exc:
        logger.warning("open /ws connections of user %s not told to close: %s", user_id, exc)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        end_live_connections(user.pk, getattr(request.session, "session_key", None))
