"""/ws refuses browser pages of any other origin, the same host on another port or scheme
included; programs (no Origin) go on to authenticate themselves."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from accounts.ws_auth import CLOSE_UNAUTHENTICATED
from accounts.ws_origin import origin_allowed
from arbsite.asgi import application

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "arbsite.example.com"]


def allowed(origin: str, host: str | None = "localhost:8000", secure: bool = False, trusted=()) -> bool:
    return origin_allowed(origin, host, secure, ALLOWED_HOSTS, list(trusted))


def test_the_pages_own_origin_is_allowed():
    assert allowed("http://localhost:8000")
    assert allowed("HTTP://LOCALHOST:8000")
    assert allowed("http://[::1]:8000", host="[::1]:8000")
    assert allowed("https://arbsite.example.com", host="arbsite.example.com", secure=True)
    assert allowed("https://arbsite.example.com:443", host="arbsite.example.com", secure=True)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",  # another service on the same host
        "http://localhost",  # port 80
        "https://localhost:8000",  # another scheme
        "http://evil.example:8000",
        "http://localhost.evil.example:8000",
        "null",  # a sandboxed frame or a file
        "http://localhost:notaport",
        "",
    ],
)
def test_any_other_origin_is_refused(origin):
    assert not allowed(origin)


def test_an_http_page_cannot_read_the_https_site():
    assert not allowed("http://arbsite.example.com", host="arbsite.example.com", secure=True)


def test_the_host_must_be_one_of_allowed_hosts():
    """A page that reached Arbsite under a name of its own (DNS rebinding) is not Arbsite's page."""
    assert not allowed("http://rebound.example:8000", host="rebound.example:8000")


def test_csrf_trusted_origins_are_allowed_too():
    trusted = ["https://dash.example.com", "https://*.corp.example"]
    assert allowed("https://dash.example.com", trusted=trusted)
    assert allowed("https://team.corp.example", trusted=trusted)
    assert not allowed("http://dash.example.com", trusted=trusted)
    assert not allowed("https://dash.example.com:8443", trusted=trusted)
    assert not allowed("https://corp-example.evil", trusted=trusted)
    assert allowed("https://dash.example.com", host=None, trusted=trusted)


# --- through the ASGI stack ------------------------------------------------------------------
async def handshake(*headers: tuple[bytes, bytes], scheme: str = "ws") -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, "/ws", headers=list(headers))
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.mark.django_db(transaction=True)
async def test_a_page_on_another_port_of_the_same_host_cannot_open_a_users_feed(alice, login_cookie):
    cookie = (b"cookie", await login_cookie(alice))
    host = (b"host", b"localhost:8000")
    _, connected = await handshake(host, (b"origin", b"http://localhost:3000"), cookie)
    assert not connected
    page, connected = await handshake(host, (b"origin", b"http://localhost:8000"), cookie)
    assert connected
    assert (await page.receive_json_from(timeout=5))["type"] == "snapshot"
    await page.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_behind_a_tls_proxy_the_page_is_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    host = (b"host", b"localhost")
    _, connected = await handshake(host, (b"origin", b"http://localhost"), (b"x-forwarded-proto", b"https"))
    assert not connected
    page, connected = await handshake(host, (b"origin", b"https://localhost"), (b"x-forwarded-proto", b"https"))
    assert connected
    await page.disconnect()
    _, connected = await handshake(host, (b"origin", b"https://localhost"))  # no proxy said https
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_a_program_without_origin_goes_on_to_authenticate():
    program, connected = await handshake((b"host", b"localhost:8000"))
    assert connected
    await program.send_json_to({"type": "subscribe", "instruments": []})
    assert "authenticate first" in (await program.receive_json_from(timeout=5))["error"]
    assert (await program.receive_output(timeout=5))["code"] == CLOSE_UNAUTHENTICATED
