"""/ws authentication with a JWT access token, for programs; pages use their session.

A token never goes in the URL (URLs end up in logs). A client offers it either as the
`Sec-WebSocket-Protocol` pair `bearer, <token>` (the server answers `bearer`), handled here
before the consumer runs, or as its first message `{"type":"auth","token":"..."}`, handled
by the consumer with `aauthenticate_token`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken

# Application close codes (4000–4999), documented in the README's /ws section.
CLOSE_UNAUTHENTICATED = 4401  # no credentials, or a token that is not a valid access token
CLOSE_TOKEN_REJECTED = 4403  # the token expired (also while connected) or was revoked
CLOSE_AUTH_TIMEOUT = 4408  # no auth message within settings.WS_AUTH_TIMEOUT_S
CLOSE_RATE_LIMITED = 4429  # kept sending messages faster than allowed

BEARER_SUBPROTOCOL = "bearer"

# Why a user's open connection ended, said in its last `error` message (also by
# accounts.live_connections, which ends them at once).
LOGGED_OUT = "logged out"
PASSWORD_CHANGED = "password changed"
DEACTIVATED = "account deactivated"


@dataclass(frozen=True)
class TokenAuth:
    user: object
    expires_at: float  # epoch seconds: the connection ends then


class TokenRejected(Exception):
    def __init__(self, close_code: int, reason: str) -> None:
        super().__init__(reason)
        self.close_code = close_code
        self.reason = reason


def authenticate_token(raw: str) -> TokenAuth:
    """The user an access token stands for, or TokenRejected with the close code to send."""
    try:
        token = AccessToken(raw)
    except ExpiredTokenError as exc:
        raise TokenRejected(CLOSE_TOKEN_REJECTED, "token expired") from exc
    except TokenError as exc:
        raise TokenRejected(CLOSE_UNAUTHENTICATED, "not a valid access token") from exc
    try:
        # The same checks as the HTTP API: the user exists, is active, and has not changed
        # the password since the token was issued.
        user = JWTAuthentication().get_user(token)
    except AuthenticationFailed as exc:
        raise TokenRejected(CLOSE_TOKEN_REJECTED, "token revoked") from exc
    return TokenAuth(user, float(token["exp"]))


aauthenticate_token = database_sync_to_async(authenticate_token)


def session_expires_at(session) -> float | None:
    """When a session-authenticated connection must end (epoch seconds); None without a session."""
    if session is None or not getattr(session, "session_key", None):
        return None
    return session.get_expiry_date().timestamp()


def check_still_authorised(scope, access_token: str | None) -> str | None:
    """Why an open connection may no longer see its user's data, or None while it may: the
    token revoked, the session logged out, the password changed, the user deactivated."""
    if access_token is not None:
        try:
            authenticate_token(access_token)
        except TokenRejected as rejected:
            return rejected.reason
        return None
    user = get_user_model().objects.filter(pk=scope["user"].pk).first()
    if user is None or not user.is_active:
        return DEACTIVATED
    session_key = getattr(scope.get("session"), "session_key", None)
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load() if session_key else {}
    if not data:
        return LOGGED_OUT
    if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return PASSWORD_CHANGED
    return None


acheck_still_authorised = database_sync_to_async(check_still_authorised)


def token_from_subprotocols(subprotocols: list[str]) -> str | None:
    """`["bearer", "<token>"]` -> the token; None when the client offered none."""
    if BEARER_SUBPROTOCOL not in subprotocols:
        return None
    index = subprotocols.index(BEARER_SUBPROTOCOL)
    return subprotocols[index + 1] if index + 1 < len(subprotocols) else ""


class JWTAuthMiddleware:
    """Sets scope["user"] from a token offered in Sec-WebSocket-Protocol, over the session's user.

    A token that fails leaves an anonymous user and scope["token_rejected"], so the consumer
    closes with the right code rather than falling back to a session the client did not choose.
    """

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        raw = token_from_subprotocols(list(scope.get("subprotocols") or []))
        if scope["type"] == "websocket" and raw is not None:
            scope = dict(scope)
            try:
                auth = await aauthenticate_token(raw)
            except TokenRejected as rejected:
                scope["user"] = AnonymousUser()
                scope["token_rejected"] = rejected
            else:
                scope["user"] = auth.user
                scope["access_token"] = raw
                scope["token_expires_at"] = auth.expires_at
        return await self.inner(scope, receive, send)


def JWTAuthMiddlewareStack(inner):
    """Channels' session stack (named like it), with a token, when offered, deciding the user."""
    return AuthMiddlewareStack(JWTAuthMiddleware(inner))
