"""Who an API call's bearer token stands for, with the user's row kept in the process briefly.

Loading the user from the database on every call cost a query and, under ASGI, a thread and a
connection per request. A row is kept for `API_USER_CACHE_S` (5 s): a password change or a
deactivation refuses the tokens issued before it within that time in every web process, and
at once in the process that saved the change (saving or deleting a user forgets its row).
Each caller gets its own copy of the row, so nothing one request caches on it reaches another.
"""

from __future__ import annotations

import asyncio
import copy
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections
from django.db.models.signals import post_delete, post_save
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

MAX_CACHED_USERS = 10_000
MAX_CACHED_TOKENS = 10_000

_rows: dict[str, tuple[float, object]] = {}  # str(user id) -> (expires, monotonic s; the row)
# Tokens whose signature and claims were checked: a client presents the same one until it
# expires, and checking it again (base64, JSON, HMAC) cost more than the rest of the call.
_tokens: dict[bytes, Token] = {}
_loading: dict[str, asyncio.Future] = {}  # str(user id) -> the row being loaded for async callers


def forget_users() -> None:
    _rows.clear()
    _tokens.clear()
    _loading.clear()


def _forget_user(sender, instance, **kwargs) -> None:
    _rows.pop(str(getattr(instance, jwt_settings.USER_ID_FIELD)), None)


post_save.connect(_forget_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_auth.forget_user_saved")
post_delete.connect(_forget_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_auth.forget_user_deleted")


def _cached(user_id):
    entry = _rows.get(str(user_id))  # tokens carry the id as a string
    if entry is not None and entry[0] > time.monotonic():
        return copy.copy(entry[1])
    return None


def _load(user_id):
    user_model = get_user_model()
    try:
        user = user_model.objects.get(**{jwt_settings.USER_ID_FIELD: user_id})
    except user_model.DoesNotExist:
        return None
    if len(_rows) >= MAX_CACHED_USERS:
        _rows.clear()
    _rows[str(user_id)] = (time.monotonic() + settings.API_USER_CACHE_S, user)
    return copy.copy(user)


def _load_outside_a_request(user_id):
    # Outside Django's request cycle nothing closes this thread's connection: close it here.
    try:
        return _load(user_id)
    finally:
        close_old_connections()


async def _aload(user_id):
    """`_load` from async code, once for all the calls that need the same row at the same time
    (when a row expires under load, hundreds of calls would each query the database)."""
    key = str(user_id)
    loading = _loading.get(key)
    if loading is None or loading.get_loop() is not asyncio.get_running_loop():
        loading = _loading[key] = asyncio.ensure_future(
            sync_to_async(_load_outside_a_request, thread_sensitive=False)(user_id)
        )
        loading.add_done_callback(lambda done: _loading.pop(key) if _loading.get(key) is done else None)
    user = await asyncio.shield(loading)
    return copy.copy(user) if user is not None else None


def token_user(user, validated_token: Token):
    """SimpleJWT's checks: the user exists, is active, and has not changed the password since."""
    if user is None:
        raise AuthenticationFailed("User not found", code="user_not_found")
    if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        raise AuthenticationFailed("User is inactive", code="user_inactive")
    if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
        jwt_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
    return user


def _user_id(validated_token: Token):
    try:
        return validated_token[jwt_settings.USER_ID_CLAIM]
    except KeyError as exc:
        raise InvalidToken("Token contained no recognizable user identification") from exc


class CachedJWTAuthentication(JWTAuthentication):
    """SimpleJWT's bearer authentication over the cached tokens and user rows."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _tokens.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:  # expired since: SimpleJWT says so, in its words
                _tokens.pop(raw_token, None)
        token = super().get_validated_token(raw_token)
        if len(_tokens) >= MAX_CACHED_TOKENS:
            _tokens.clear()
        _tokens[raw_token] = token
        return token

    def get_user(self, validated_token: Token):
        user_id = _user_id(validated_token)
        return token_user(_cached(user_id) or _load(user_id), validated_token)


async def abearer_user(authorization: bytes | None):
    """The user a valid bearer access token in `authorization` stands for, from async code.

    None for anything else (no header, another scheme, a token invalid, expired or revoked):
    the caller then lets DRF answer, with its exact error.
    """
    authentication = CachedJWTAuthentication()
    raw_token = authentication.get_raw_token(authorization) if authorization else None
    if raw_token is None:
        return None
    try:
        validated_token = authentication.get_validated_token(raw_token)
        user_id = _user_id(validated_token)
        user = _cached(user_id) or await _aload(user_id)
        return token_user(user, validated_token)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None
