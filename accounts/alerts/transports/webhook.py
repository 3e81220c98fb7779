"""Webhook: a JSON POST of the opportunity, signed with HMAC-SHA256 over timestamp and body.

The URL is checked again right before each attempt (a name that was public when the rule was
saved may resolve to 127.0.0.1 today), and the connection goes to the very addresses that were
checked: no second DNS lookup, so no window for a rebinding trick. Redirects are not followed.

One deadline bounds the whole attempt (connecting, TLS, sending, the answer's headers and
body): a per-read timeout alone lets an endpoint that drips one byte at a time hold a worker
for as long as it likes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
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
MAX_ANSWER_BYTES = 65536  # read (and ignored) so the endpoint sees its answer taken


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the rule's webhook secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _Pinned(AbstractResolver):
    """A resolver that answers with the addresses that were checked, and nothing else."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in self.addresses
        ]

    async def close(self) -> None:
        pass


async def _post_within(url: str, addresses: list[str], body: bytes, headers: dict[str, str], deadline_s: float):
    connector = aiohttp.TCPConnector(resolver=_Pinned(addresses), use_dns_cache=False, force_close=True)
    async with (
        asyncio.timeout(deadline_s),
        aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False) as session,
        session.post(url, data=body, headers=headers, allow_redirects=False) as response,
    ):
        await response.content.read(MAX_ANSWER_BYTES)
        return response.status, response.reason or ""


def post(url: str, body: bytes, headers: dict[str, str], deadline_s: float) -> int:
    """POST `body` to a checked address of `url` within `deadline_s`; the HTTP status, or
    DeliveryError."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
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
    try:
        status, reason = asyncio.run(_post_within(url, addresses, body, headers, deadline_s))
    except TimeoutError:
        raise DeliveryError(f"the endpoint did not answer within {deadline_s:g} s") from None
    except (OSError, aiohttp.ClientError) as exc:
        raise DeliveryError(f"the endpoint could not be reached: {exc!r}") from exc
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
