"""Every alert channel, one module each on transports.base.Transport, in delivery order.

Webhook last: it is the one that can take seconds (and is retried), so the quick channels of
one alert never wait behind it.
"""

from __future__ import annotations

from accounts.alerts.transports.base import Attempt, DeliveryError, Transport
from accounts.alerts.transports.email import Email
from accounts.alerts.transports.in_app import InApp
from accounts.alerts.transports.telegram import Telegram
from accounts.alerts.transports.webhook import Webhook

TRANSPORTS: dict[str, Transport] = {
    transport.channel: transport for transport in (InApp(), Email(), Telegram(), Webhook())
}

__all__ = ["TRANSPORTS", "Attempt", "DeliveryError", "Transport"]
