"""Refresh tokens are single-use: using one blacklists it, and the database decides who used it.

SimpleJWT checks the blacklist, then blacklists with get_or_create, so N requests racing with
one token all pass the check and all get new tokens. Here the blacklist row is inserted (the
token's OneToOne is unique): exactly one insert succeeds, and the others are refused.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch


def spend_refresh_token(refresh: RefreshToken) -> None:
    """Blacklist `refresh`, or TokenError when it already is (another request used it first)."""
    user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=refresh.payload[jwt_settings.JTI_CLAIM],
        defaults={
            "user": get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first(),
            "created_at": refresh.current_time,
            "token": str(refresh),
            "expires_at": datetime_from_epoch(refresh.payload["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenError("Token is blacklisted") from exc


def rotate(refresh: RefreshToken) -> dict[str, str]:
    """Spend `refresh`; a new access token and a new refresh token (recorded as outstanding)."""
    spend_refresh_token(refresh)
    data = {"access": str(refresh.access_token)}
    refresh.set_jti()
    refresh.set_exp()
    refresh.set_iat()
    refresh.outstand()
    data["refresh"] = str(refresh)
    return data
