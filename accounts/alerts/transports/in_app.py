"""In-app: the alert in the user's history, pushed over /ws to every page they have open."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import TimeoutError as FutureTimeout

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

from accounts.alerts.messages import ALERT_EVENT, Alert
from accounts.alerts.transports.base import Attempt, DeliveryError, Transport
from accounts.models import AlertEvent, AlertRule
from accounts.user_connections import home_loop, user_group

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_S = 5.0


def push_to_user(user_id: int, text: str) -> None:
    """Send an encoded `alert` message to every open /ws connection of one user."""
    send_to_user_connections(user_id, {"type": ALERT_EVENT, "text": text})


def send_to_user_connections(user_id: int, message: dict) -> None:
    """A channel-layer event to every open /ws connection of one user, from synchronous code."""
    layer = get_channel_layer()
    if layer is None:
        raise DeliveryError("no channel layer is configured", retryable=False)
    group = user_group(user_id)
    # In-process, alert tasks run on other threads: the push goes to the loop serving /ws.
    loop = home_loop()
    try:
        if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(PUSH_TIMEOUT_S)
        else:
            async_to_sync(layer.group_send)(group, message)
    except (RedisError, OSError, ChannelFull, FutureTimeout) as exc:
        raise DeliveryError(f"not pushed to open pages: {exc!r}") from exc


class InApp(Transport):
    channel = AlertEvent.Channel.IN_APP

    def wanted(self, rule: AlertRule) -> bool:
        return rule.notify_in_app

    def send(self, rule: AlertRule, alert: Alert, attempt: Attempt) -> None:
        # Recorded in the history already (the claim); the push follows the commit.
        text = alert.ws_text(attempt.sent_ms)
        transaction.on_commit(lambda: push_to_user(rule.user_id, text))
