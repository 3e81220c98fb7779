"""/ws with a JWT: in Sec-WebSocket-Protocol or as the first message; expiry and revocation
end the connection with the documented close codes."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.ws_auth import CLOSE_AUTH_TIMEOUT, CLOSE_TOKEN_REJECTED, CLOSE_UNAUTHENTICATED
from arbsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def access_token(user, lifetime_s: float | None = None) -> str:
    def make() -> str:
        token = AccessToken.for_user(user)
        if lifetime_s is not None:
            token.set_exp(lifetime=timedelta(seconds=lifetime_s))
        return str(token)

    return await sync_to_async(make)()


async def open_ws(subprotocols=None, headers=()):
    """A program's connection: no Origin header, no cookie."""
    communicator = WebsocketCommunicator(application, "/ws", headers=list(headers), subprotocols=subprotocols)
    connected, subprotocol = await communicator.connect(timeout=5)
    assert connected
    return communicator, subprotocol


async def closed_with(communicator) -> int:
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


async def first_error(communicator) -> dict:
    """The next error, past any price update the feed sends meanwhile."""
    while True:
        message = await communicator.receive_json_from(timeout=5)
        if message["type"] == "error":
            return message


async def test_token_in_the_subprotocol_header_gets_the_snapshot(alice):
    communicator, subprotocol = await open_ws(["bearer", await access_token(alice)])
    assert subprotocol == "bearer"  # never the token itself
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    await communicator.send_json_to({"type": "subscribe", "instruments": ["BTC/USDT:USDT"]})
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "subscribed",
        "instruments": ["BTC/USDT:USDT"],
        "opportunities": "instruments",
    }
    await communicator.disconnect()


async def test_token_as_the_first_message_gets_the_snapshot(alice):
    communicator, subprotocol = await open_ws()
    assert subprotocol is None
    await communicator.send_json_to({"type": "auth", "token": await access_token(alice)})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_program_that_sends_no_auth_message_is_closed_with_4408(settings):
    settings.WS_AUTH_TIMEOUT_S = 0.2
    communicator, _ = await open_ws()
    reply = await communicator.receive_json_from(timeout=5)
    assert reply["type"] == "error"
    assert await closed_with(communicator) == CLOSE_AUTH_TIMEOUT


async def test_a_first_message_that_is_not_auth_is_closed_with_4401():
    communicator, _ = await open_ws()
    await communicator.send_json_to({"type": "subscribe", "instruments": []})
    assert "authenticate first" in (await communicator.receive_json_from(timeout=5))["error"]
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("how", ["subprotocol", "message"])
async def test_an_expired_token_is_closed_with_4403(alice, how):
    token = await access_token(alice, lifetime_s=-60)  # expired a minute ago: no race with `exp`
    if how == "subprotocol":
        communicator, _ = await open_ws(["bearer", token])
    else:
        communicator, _ = await open_ws()
        await communicator.send_json_to({"type": "auth", "token": token})
    assert (await communicator.receive_json_from(timeout=5)) == {"type": "error", "error": "token expired"}
    assert await closed_with(communicator) == CLOSE_TOKEN_REJECTED


@pytest.mark.parametrize("token", ["not-a-jwt", ""])
async def test_garbage_or_a_refresh_token_is_closed_with_4401(alice, token):
    communicator, _ = await open_ws(["bearer", token] if token else ["bearer"])
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
    refresh = await sync_to_async(lambda: str(RefreshToken.for_user(alice)))()
    communicator, _ = await open_ws()
    await communicator.send_json_to({"type": "auth", "token": refresh})
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED


async def test_a_token_revoked_by_a_password_change_is_closed_with_4403(alice):
    token = await access_token(alice)

    def change_password() -> None:
        alice.set_password("a-new-pass-5678")
        alice.save()

    await sync_to_async(change_password)()
    communicator, _ = await open_ws(["bearer", token])
    assert await closed_with(communicator) == CLOSE_TOKEN_REJECTED


async def test_a_token_that_expires_while_connected_ends_the_connection_at_expiry(alice, monkeypatch):
    # A token valid for a minute by the JWT library's clock, and one second short of its `exp`
    # by the consumer's, stopped there: the expiry timer is armed for exactly one second
    # whatever the load. A one-second token raced the clock instead: `exp` is in whole
    # seconds, so it could expire before the connection was even accepted.
    token = await access_token(alice, lifetime_s=60)
    expires_at = await sync_to_async(lambda: AccessToken(token)["exp"])()
    monkeypatch.setattr(
        "arbitrage.consumers.time", SimpleNamespace(time=lambda: expires_at - 1, monotonic=time.monotonic)
    )
    communicator, _ = await open_ws(["bearer", token])
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    # Nothing sent by the client: the server closes on its own when the token expires.
    assert await first_error(communicator) == {"type": "error", "error": "token expired"}
    assert await closed_with(communicator) == CLOSE_TOKEN_REJECTED


async def test_an_expired_token_is_also_caught_on_the_next_message(alice, monkeypatch):
    communicator, _ = await open_ws(["bearer", await access_token(alice, lifetime_s=60)])
    await communicator.receive_json_from(timeout=5)  # snapshot
    # Two minutes later, as the consumer sees it; its expiry timer still has a minute to go.
    later = SimpleNamespace(time=lambda: time.time() + 120, monotonic=time.monotonic)
    monkeypatch.setattr("arbitrage.consumers.time", later)
    await communicator.send_json_to({"type": "subscribe", "instruments": []})
    assert (await communicator.receive_json_from(timeout=5)) == {"type": "error", "error": "token expired"}
    assert await closed_with(communicator) == CLOSE_TOKEN_REJECTED


async def test_a_bad_message_after_auth_gets_an_error_and_the_connection_stays(alice):
    communicator, _ = await open_ws(["bearer", await access_token(alice)])
    await communicator.receive_json_from(timeout=5)  # snapshot
    await communicator.send_to(text_data=json.dumps({"type": "subscribe", "instruments": [1, 2]}))
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.send_json_to({"type": "unsubscribe", "instruments": []})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "subscribed"
    await communicator.disconnect()


async def test_a_token_wins_over_a_session_cookie(alice, bob, login_cookie):
    cookie = await login_cookie(bob)
    communicator, _ = await open_ws(["bearer", "not-a-jwt"], headers=[(b"cookie", cookie)])
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
