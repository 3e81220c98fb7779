"""/ws accepts browsers from this site's own pages only: the same scheme, host and port.

A browser always sends `Origin`, and the cookies of the host it connects to, whichever page
opened the socket; a page on another port of the same host (another service, a dev server)
is another origin and must not read a user's feed with their session. Programs send no Origin
and authenticate themselves with a token, so a missing Origin is let through.

The site's own origin is the one the request came to (its Host header, with https when the
connection, or a trusted proxy's X-Forwarded-Proto, says so), provided that host is one of
ALLOWED_HOSTS; CSRF_TRUSTED_ORIGINS are accepted too, as Django's CSRF check accepts them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (lower case), port


def parse_origin(value: str) -> Origin | None:
    """`https://Example.com` -> ("https", "example.com", 443); None for anything but http(s)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def origin_allowed(
    origin: str,
    host: str | None,
    secure: bool,
    allowed_hosts: list[str],
    trusted_origins: list[str],
) -> bool:
    """Whether a browser page of `origin` may open /ws on a request to `host`."""
    parsed = parse_origin(origin)
    if parsed is None:
        return False
    own_host = bool(host) and validate_host(split_domain_port(host)[0], allowed_hosts)
    if own_host and parsed == parse_origin(f"{'https' if secure else 'http'}://{host}"):
        return True
    return any(_matches(parsed, trusted) for trusted in trusted_origins)


def _matches(origin: Origin, trusted: str) -> bool:
    """An exact origin, or, as in CSRF_TRUSTED_ORIGINS, `https://*.example.com` for its subdomains."""
    wildcard = "://*." in trusted
    expected = parse_origin(trusted.replace("://*.", "://", 1) if wildcard else trusted)
    if expected is None:
        return False
    if not wildcard:
        return origin == expected
    scheme, host, port = origin
    return (scheme, port) == (expected[0], expected[2]) and is_same_domain(host, "." + expected[1])


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _secure(scope) -> bool:
    """https as Django would judge it: the connection's scheme, or the trusted proxy header."""
    if scope.get("scheme") in ("wss", "https"):
        return True
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, expected = settings.SECURE_PROXY_SSL_HEADER
        header = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = _header(scope, header)
        return value is not None and value.split(",")[0].strip() == expected
    return False


class SameOriginValidator:
    """ASGI middleware for /ws: a browser of another origin is refused (403) before anything runs."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        if origin is not None and not origin_allowed(
            origin,
            _header(scope, b"host"),
            _secure(scope),
            settings.ALLOWED_HOSTS,
            settings.CSRF_TRUSTED_ORIGINS,
        ):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
