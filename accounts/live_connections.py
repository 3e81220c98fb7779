"""Ending a user's open /ws connections when their access ends, rather than at the next check.

Logging out ends that session's connections. Changing the password or being deactivated ends
all of the user's connections, pages and programs alike, at the commit of the save that did it,
whichever way it came (password page, admin, `set_password` and `save` in a shell): the
user's save is the one place every path goes through. A password change spares no page: the
other sessions and every token it revokes, and the session that changed it is given a new key
(`update_session_auth_hash`), so a connection opened under the old key would be ended as logged
out anyway; that page loads again after the form and opens a new one. Writes that skip `save`
(`QuerySet.update`) are caught by the periodic check (arbitrage.consumers, WS_RECHECK_S).
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.alerts.transports.base import DeliveryError
from accounts.alerts.transports.in_app import send_to_user_connections
from accounts.ws_auth import DEACTIVATED, LOGGED_OUT, PASSWORD_CHANGED

logger = logging.getLogger(__name__)

REVOKED_EVENT = "live.revoked"  # handled by arbitrage.consumers.LiveFeedConsumer.live_revoked
_ACCESS_FIELDS = frozenset({"password", "is_active"})


def end_live_connections(user_id: int, session_key: str | None = None, reason: str = LOGGED_OUT) -> None:
    """Close the user's connections: those of one session when given, else all of them.
    Connections the push misses (the layer is down) end at their next periodic check."""
    try:
        send_to_user_connections(user_id, {"type": REVOKED_EVENT, "session_key": session_key, "reason": reason})
    except DeliveryError as exc:
        logger.warning("open /ws connections of user %s not told to close: %s", user_id, exc)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        end_live_connections(user.pk, getattr(request.session, "session_key", None))


def access_ending(user, update_fields: frozenset[str] | None) -> str | None:
    """Why saving `user` as it is now ends its access, against the stored row; None if it does not."""
    if user._state.adding or user.pk is None:
        return None
    if update_fields is not None and not (_ACCESS_FIELDS & update_fields):
        return None  # e.g. the last_login written at every login: no read
    stored = type(user)._base_manager.filter(pk=user.pk).values_list("password", "is_active").first()
    if stored is None:
        return None
    password, is_active = stored
    if is_active and not user.is_active:
        return DEACTIVATED
    if password != user.password:
        return PASSWORD_CHANGED
    return None


def on_user_saving(sender, instance, update_fields=None, **kwargs) -> None:
    instance._live_access_ending = access_ending(instance, update_fields)


def on_user_saved(sender, instance, **kwargs) -> None:
    reason = instance.__dict__.pop("_live_access_ending", None)
    if reason is not None:
        user_id = instance.pk
        # After the commit: a connection told to close must not find the old row still there.
        transaction.on_commit(lambda: end_live_connections(user_id, None, reason))
