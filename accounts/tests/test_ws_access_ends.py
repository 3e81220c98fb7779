"""An open /ws connection ends with the access it was opened with: logout, password change,
deactivation, session expiry, a revoked token."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from accounts.tests.test_ws_auth import access_token
from accounts.ws_auth import CLOSE_TOKEN_REJECTED
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _page_connection(cookie: bytes) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws", headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    return communicator


async def _ended(communicator: WebsocketCommunicator) -> tuple[str, int]:
    """The error the server gave, and its close code."""
    error = await communicator.receive_json_from(timeout=5)
    closing = await communicator.receive_output(timeout=5)
    assert closing["type"] == "websocket.close"
    await communicator.disconnect()  # as the server would on the client's closing handshake
    return error["error"], closing["code"]


def _in_thread(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connections.close_all()

    return sync_to_async(run)


async def test_logging_out_closes_that_sessions_connections_at_once(alice, client, login_cookie):
    communicator = await _page_connection(await login_cookie(alice))
    await _in_thread(client.post)("/accounts/logout/")
    assert await _ended(communicator) == ("logged out", CLOSE_TOKEN_REJECTED)


async def test_a_password_change_anywhere_closes_connections_at_the_next_check(alice, login_cookie, settings):
    settings.WS_RECHECK_S = 0.05
    communicator = await _page_connection(await login_cookie(alice))

    def change_password() -> None:
        alice.set_password("another-pass-5678")
        alice.save()

    await _in_thread(change_password)()
    assert await _ended(communicator) == ("password changed", CLOSE_TOKEN_REJECTED)


async def test_deactivation_closes_session_and_token_connections(alice, login_cookie, settings):
    settings.WS_RECHECK_S = 0.05
    page = await _page_connection(await login_cookie(alice))
    bot = WebsocketCommunicator(application, "/ws", subprotocols=["bearer", await access_token(alice)])
    assert (await bot.connect(timeout=5))[0]
    assert (await bot.receive_json_from(timeout=5))["type"] == "snapshot"

    def deactivate() -> None:
        alice.is_active = False
        alice.save()

    await _in_thread(deactivate)()
    assert await _ended(page) == ("account deactivated", CLOSE_TOKEN_REJECTED)
    assert await _ended(bot) == ("token revoked", CLOSE_TOKEN_REJECTED)


async def test_a_session_connection_ends_when_the_session_expires(alice, client, login_cookie):
    cookie = await login_cookie(alice)

    def expire_soon() -> None:
        session = client.session
        session.set_expiry(1)
        session.save()

    await _in_thread(expire_soon)()
    communicator = await _page_connection(cookie)
    assert await _ended(communicator) == ("session expired", CLOSE_TOKEN_REJECTED)
