"""/ws authentication with a JWT access token, for programs; pages use their session.

A token never goes in the URL (URLs end up in logs). A client offers it either as the
`Sec-WebSocket-Protocol` pair `bearer, <token>` (the server answers `bearer`), handled here
before the consumer runs, or as its first message `{"type":"auth","token":"..."}`, handled
by the consumer with `aauthenticate_token`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

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


def _token_refusal(token: AccessToken, user) -> str | None:
    """The HTTP API's checks (JWTAuthentication.get_user) on a token's user: it exists, is
    active, and has not changed the password since the token was issued."""
    if user is None or (jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active):
        return "token revoked"
    if jwt_settings.CHECK_REVOKE_TOKEN and token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
        user.password
    ):
        return "token revoked"
    return None


def _decoded(raw: str) -> AccessToken:
    try:
        return AccessToken(raw)
    except ExpiredTokenError as exc:
        raise TokenRejected(CLOSE_TOKEN_REJECTED, "token expired") from exc
    except TokenError as exc:
        raise TokenRejected(CLOSE_UNAUTHENTICATED, "not a valid access token") from exc


def _users(ids: set) -> dict[str, object]:
    """str(id) -> user: tokens carry the id as a string, sessions as the model's type."""
    if not ids:
        return {}
    found = get_user_model().objects.in_bulk({str(i) for i in ids}, field_name=jwt_settings.USER_ID_FIELD)
    return {str(key): user for key, user in found.items()}


def authenticate_token(raw: str) -> TokenAuth:
    """The user an access token stands for, or TokenRejected with the close code to send."""
    token = _decoded(raw)
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    user = _users({user_id}).get(str(user_id)) if user_id is not None else None
    if (reason := _token_refusal(token, user)) is not None:
        raise TokenRejected(CLOSE_TOKEN_REJECTED, reason)
    return TokenAuth(user, float(token["exp"]))


aauthenticate_token = database_sync_to_async(authenticate_token)


def session_expires_at(session) -> float | None:
    """When a session-authenticated connection must end (epoch seconds); None without a session."""
    if session is None or not getattr(session, "session_key", None):
        return None
    return session.get_expiry_date().timestamp()


@dataclass(frozen=True)
class AccessClaim:
    """What an open /ws connection stands on: a program's access token, or a page's session."""

    user_id: int
    access_token: str | None = None
    session_key: str | None = None


def refusals(claims: Sequence[AccessClaim]) -> list[str | None]:
    """Why each connection may no longer see its user's data, or None while it may: the token
    revoked or expired, the session logged out, the password changed, the user deactivated.
    One query for all the users and one for all the sessions, however many connections."""
    tokens: dict[int, AccessToken | str] = {}  # claim index -> decoded token, or why it is refused
    user_ids = set()
    for index, claim in enumerate(claims):
        if claim.access_token is None:
            user_ids.add(claim.user_id)
            continue
        try:
            token = tokens[index] = _decoded(claim.access_token)
            user_ids.add(token.get(jwt_settings.USER_ID_CLAIM))
        except TokenRejected as rejected:
            tokens[index] = rejected.reason
    users = _users(user_ids - {None})
    sessions = _sessions([claim.session_key for claim in claims if claim.access_token is None and claim.session_key])
    reasons: list[str | None] = []
    for index, claim in enumerate(claims):
        token = tokens.get(index)
        if isinstance(token, str):
            reasons.append(token)
        elif token is not None:
            reasons.append(_token_refusal(token, users.get(str(token.get(jwt_settings.USER_ID_CLAIM)))))
        else:
            reasons.append(_session_refusal(users.get(str(claim.user_id)), sessions.get(claim.session_key)))
    return reasons


def _session_refusal(user, session_data: dict | None) -> str | None:
    if user is None or not user.is_active:
        return DEACTIVATED
    if not session_data:
        return LOGGED_OUT
    if not constant_time_compare(session_data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return PASSWORD_CHANGED
    return None


def _sessions(keys: list[str]) -> dict[str, dict]:
    """Session key -> data of the sessions still valid, in one query with database sessions."""
    if not keys:
        return {}
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        return {row.session_key: row.get_decoded() for row in rows}
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return {key: data for key in keys if (data := store(key).load())}


def claim_of(scope, access_token: str | None) -> AccessClaim:
    session_key = None if access_token else getattr(scope.get("session"), "session_key", None)
    return AccessClaim(scope["user"].pk, access_token, session_key)


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
