"""The JWT lifecycle over HTTP: obtain, use, expire, refresh with rotation, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db


def obtain(api_client, username: str, password: str):
    return api_client.post("/api/token/", {"username": username, "password": password}, format="json")


def get_prices(api_client, access: str):
    return api_client.get("/api/prices", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_everything_but_health_and_login_needs_authentication(api_client):
    assert api_client.get("/api/prices").status_code == 401
    assert api_client.get("/api/prices")["WWW-Authenticate"].startswith("Bearer")
    assert api_client.get("/api/schema/").status_code == 401
    assert "status" in api_client.get("/health").json()  # no login needed (200 or 503 with no feed running)
    assert obtain(api_client, "nobody", "wrong").status_code == 401


def test_obtain_then_use_the_access_token(api_client, alice):
    response = obtain(api_client, "alice", "alice-pass-1234")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    assert get_prices(api_client, tokens["access"]).status_code == 200
    assert get_prices(api_client, tokens["access"] + "x").status_code == 401


def test_access_tokens_are_short_lived(alice, settings):
    token = AccessToken.for_user(alice)
    assert token["exp"] - token["iat"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() == 300


def test_an_expired_access_token_is_refused(api_client, alice):
    # Expired a minute ago rather than waited out: `exp` is in whole seconds, so a short
    # lifetime and a sleep race the clock.
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    response = get_prices(api_client, str(expired))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["messages"][0]["message"] == "Token is expired"
    assert get_prices(api_client, str(AccessToken.for_user(alice))).status_code == 200


def test_refresh_rotates_and_the_used_refresh_token_is_refused(api_client, alice):
    first = obtain(api_client, "alice", "alice-pass-1234").json()
    response = api_client.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first["refresh"]
    assert get_prices(api_client, second["access"]).status_code == 200
    # The rotated-out refresh token is blacklisted: a thief replaying it gets nothing.
    replay = api_client.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert api_client.post("/api/token/refresh/", {"refresh": second["refresh"]}, format="json").status_code == 200


def test_logout_blacklists_the_refresh_token(api_client, alice):
    tokens = obtain(api_client, "alice", "alice-pass-1234").json()
    response = api_client.post("/api/token/blacklist/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    assert BlacklistedToken.objects.filter(token__user=alice).count() == 1
    assert api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_a_password_change_revokes_tokens_issued_before(api_client, alice):
    tokens = obtain(api_client, "alice", "alice-pass-1234").json()
    alice.set_password("a-new-pass-5678")
    alice.save()
    assert get_prices(api_client, tokens["access"]).status_code == 401
    assert api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_an_access_token_is_no_refresh_token(api_client, alice):
    tokens = obtain(api_client, "alice", "alice-pass-1234").json()
    assert api_client.post("/api/token/refresh/", {"refresh": tokens["access"]}, format="json").status_code == 401
    assert get_prices(api_client, tokens["refresh"]).status_code == 401


def test_the_signing_key_is_not_a_constant_in_the_repository(settings):
    assert settings.SIMPLE_JWT["SIGNING_KEY"] in (settings.SECRET_KEY, __import__("os").environ.get("JWT_SIGNING_KEY"))
