"""A user's API tokens for programs, as the Settings page shows them: the refresh tokens that
are still good (issued from the page or by logging in at /api/token/), a new one for a bot,
and revoking one or all.

Refresh tokens rotate (accounts/tokens.py): each use spends the token and records its successor,
so a bot that keeps refreshing shows as one live token. Revoking blacklists it; an access token
already issued from it stays good until it expires (ARBSITE_JWT_ACCESS_S, 5 minutes by default),
and a /ws connection opened with one ends then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken


@dataclass(frozen=True)
class LiveToken:
    jti: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class IssuedToken:
    refresh: str  # shown once: Arbsite keeps only what it needs to revoke it
    access: str


def live_tokens(user) -> list[LiveToken]:
    """The user's refresh tokens neither expired nor revoked (spent ones are revoked), newest first."""
    rows = (
        OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
        .order_by("-created_at")
        .values_list("jti", "created_at", "expires_at")
    )
    return [LiveToken(*row) for row in rows]


def issue_token(user) -> IssuedToken:
    refresh = RefreshToken.for_user(user)  # recorded as outstanding, so it can be listed and revoked
    return IssuedToken(refresh=str(refresh), access=str(refresh.access_token))


def revoke_token(user, jti: str) -> bool:
    """Revoke one of the user's tokens; False when they have no such token (another user's is
    never touched)."""
    outstanding = OutstandingToken.objects.filter(user=user, jti=jti).first()
    if outstanding is None:
        return False
    BlacklistedToken.objects.get_or_create(token=outstanding)
    return True


def revoke_all_tokens(user) -> int:
    """Revoke every live token of the user; how many there were."""
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    tokens = list(live)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True)
    return len(tokens)
