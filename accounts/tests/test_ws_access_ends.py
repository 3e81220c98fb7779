"""An open /ws connection ends with the access it was opened with: logout, password change,
deactivation (all three at once), session expiry, a revoked token."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

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


async def _token_connection(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws", subprotocols=["bearer", await access_token(user)])
    assert (await communicator.connect(timeout=5))[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    return communicator


@pytest.fixture
def no_periodic_check(settings):
    """What ends a connection in these tests is the push: the periodic check is an hour away."""
    settings.WS_RECHECK_S = 3600


def _set_password(user) -> None:
    user.set_password("another-pass-5678")
    user.save()


def _deactivate(user) -> None:
    user.is_active = False
    user.save()


async def test_a_password_change_closes_every_connection_of_the_user_at_once(
    alice, bob, login_cookie, no_periodic_check
):
    page, bot = await _page_connection(await login_cookie(alice)), await _token_connection(alice)
    others = await _token_connection(bob)
    await _in_thread(_set_password)(alice)
    assert await _ended(page) == ("password changed", CLOSE_TOKEN_REJECTED)
    assert await _ended(bot) == ("password changed", CLOSE_TOKEN_REJECTED)
    await _in_thread(_deactivate)(bob)  # bob's connection heard nothing before its own news
    assert await _ended(others) == ("account deactivated", CLOSE_TOKEN_REJECTED)


async def test_changing_the_password_on_its_page_closes_that_page_and_the_other_sessions(
    alice, client, login_cookie, no_periodic_check
):
    elsewhere = await _page_connection(await login_cookie(alice))
    changing = await _page_connection(await login_cookie(alice))  # `client` is this session now
    form = {"old_password": "alice-pass-1234", "new_password1": "n3w-Pass-5678x", "new_password2": "n3w-Pass-5678x"}
    response = await _in_thread(client.post)("/accounts/password_change/", form)
    assert response.status_code == 302
    assert await _ended(changing) == ("password changed", CLOSE_TOKEN_REJECTED)
    assert await _ended(elsewhere) == ("password changed", CLOSE_TOKEN_REJECTED)
    # The changing session stays logged in (under a new key): its page opens a new connection.
    assert (await _in_thread(client.get)("/accounts/password_change/")).status_code == 200


async def test_an_admin_setting_a_users_password_closes_their_connections(
    alice, admin, login_cookie, no_periodic_check
):
    page = await _page_connection(await login_cookie(alice))
    staff = Client()
    await _in_thread(staff.force_login)(admin)
    form = {"password1": "n3w-Pass-5678x", "password2": "n3w-Pass-5678x", "usable_password": "true"}
    response = await _in_thread(staff.post)(f"/admin/accounts/user/{alice.pk}/password/", form)
    assert response.status_code == 302
    assert await _ended(page) == ("password changed", CLOSE_TOKEN_REJECTED)


async def test_deactivation_closes_session_and_token_connections_at_once(alice, login_cookie, no_periodic_check):
    page, bot = await _page_connection(await login_cookie(alice)), await _token_connection(alice)
    await _in_thread(_deactivate)(alice)
    assert await _ended(page) == ("account deactivated", CLOSE_TOKEN_REJECTED)
    assert await _ended(bot) == ("account deactivated", CLOSE_TOKEN_REJECTED)


async def test_saves_that_leave_password_and_activity_alone_close_nothing(alice, login_cookie, no_periodic_check):
    page = await _page_connection(await login_cookie(alice))

    def edit_profile() -> None:
        alice.email = "alice@example.org"
        alice.save()
        alice.save(update_fields=["last_login"])  # as every login does

    await _in_thread(edit_profile)()
    await _in_thread(_deactivate)(alice)
    assert await _ended(page) == ("account deactivated", CLOSE_TOKEN_REJECTED)  # the first word it heard


async def test_a_deactivation_that_skips_save_ends_connections_at_the_next_check(alice, login_cookie, settings):
    settings.WS_RECHECK_S = 0.05
    page, bot = await _page_connection(await login_cookie(alice)), await _token_connection(alice)

    def deactivate_in_bulk() -> None:
        type(alice).objects.filter(pk=alice.pk).update(is_active=False)

    await _in_thread(deactivate_in_bulk)()
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
