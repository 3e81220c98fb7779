"""Webhook: a JSON POST of the opportunity, signed with HMAC-SHA256 over timestamp and body.

The URL is checked again right before each attempt (a name that was public when the rule was
saved may resolve to 127.0.0.1 today), and the connection goes to the very addresses that were
checked: no second DNS lookup, so no window for a rebinding trick. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

from accounts.alerts.messages import Alert
from accounts.alerts.transports.base import Attempt, DeliveryError, Transport
from accounts.models import AlertEvent, AlertRule
from accounts.webhooks import WebhookURLError, resolve_host, validate_webhook_url

SIGNATURE_HEADER = "X-Arbsite-Signature"
TIMESTAMP_HEADER = "X-Arbsite-Timestamp"
DELIVERY_HEADER = "X-Arbsite-Delivery"
ATTEMPT_HEADER = "X-Arbsite-Attempt"
USER_AGENT = "Arbsite-Webhook/1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the rule's webhook secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _pinned(addresses: list[str]):
    """socket.create_connection's stand-in that connects to the checked addresses only."""

    def create_connection(address, timeout=None, source_address=None):
        port, error = address[1], None
        for ip in addresses:
            try:
                return socket.create_connection((ip, port), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error or OSError("no address to connect to")

    return create_connection


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    """POST `body` to a checked address of `url`; the HTTP status, or DeliveryError."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    if not parts.hostname:
        raise DeliveryError("the webhook URL names no host", retryable=False)
    try:
        addresses = resolve_host(parts.hostname, port)
    except WebhookURLError as exc:  # DNS may come back
        raise DeliveryError(f"webhook not sent: {exc}") from exc
    try:
        validate_webhook_url(url, resolve=lambda host, port: addresses)
    except WebhookURLError as exc:
        raise DeliveryError(f"webhook URL refused: {exc}", retryable=False) from exc
    if https:
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout_s, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout_s)
    connection._create_connection = _pinned(addresses)  # TLS still checks the certificate for the host name
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        status, reason = response.status, response.reason
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"the endpoint could not be reached: {exc!r}") from exc
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"the endpoint answered HTTP {status} {reason}".rstrip())
    return status


class Webhook(Transport):
    channel = AlertEvent.Channel.WEBHOOK
    retried = True

    def wanted(self, rule: AlertRule) -> bool:
        return bool(rule.webhook_url)

    def unavailable(self, rule: AlertRule) -> str | None:
        return None if rule.webhook_url else "this rule has no webhook URL"

    def send(self, rule: AlertRule, alert: Alert, attempt: Attempt) -> None:
        body = alert.webhook_body(attempt.delivery_id)
        timestamp = str(attempt.sent_ms // 1000)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(rule.webhook_secret, timestamp, body),
            DELIVERY_HEADER: attempt.delivery_id,
            ATTEMPT_HEADER: str(attempt.number),
        }
        post(rule.webhook_url, body, headers, settings.ALERTS_WEBHOOK_TIMEOUT_S)
