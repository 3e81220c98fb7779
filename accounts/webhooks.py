"""Where an alert webhook may point: http(s) to public addresses only.

Checked when a rule is saved and again by the delivery code right before it sends, because
a name that resolved to a public address yesterday may resolve to 127.0.0.1 today.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

Resolver = Callable[[str, int], list[str]]


class WebhookURLError(ValueError):
    """A webhook URL Arbsite will not call; the message says why, for the user."""


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookURLError(f"the host {host!r} does not resolve") from exc
    return sorted({info[4][0] for info in infos})


def _refused(address: str) -> str | None:
    """Why an address is no place for a webhook, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for reason, test in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved or ip.is_unspecified),
        ("private", ip.is_private),
    ):
        if test:
            return reason
    return None if ip.is_global else "not public"


def validate_webhook_url(url: str, resolve: Resolver | None = None) -> str:
    """`url` when Arbsite may POST alerts to it; raises WebhookURLError saying why not.

    http(s) only, no credentials in the URL, and every address the host resolves to must be
    public, unless settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS (a lab with a local receiver).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookURLError(f"not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise WebhookURLError("only http:// and https:// webhooks are supported")
    if not parts.hostname:
        raise WebhookURLError("the URL names no host")
    if parts.username or parts.password:
        raise WebhookURLError("put no credentials in the URL; check the signature made with the webhook secret")
    if settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS:
        return url
    addresses = (resolve or resolve_host)(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise WebhookURLError(f"the host {parts.hostname!r} does not resolve")
    for address in addresses:
        if reason := _refused(address):
            raise WebhookURLError(
                f"{parts.hostname} resolves to {address}, a {reason} address; use a public one "
                "(for a receiver on this machine or network, an operator sets "
                "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS=1)"
            )
    return url
