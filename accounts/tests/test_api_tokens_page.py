"""The Settings page's API tokens: a new one for a bot shown once and working, the live ones
listed, revoking one or all, and only ever the user's own."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from accounts import api_tokens

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _refresh(token: str):
    return APIClient().post("/api/token/refresh/", {"refresh": token}, format="json")


def test_a_new_token_is_shown_once_and_a_bot_can_use_it(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/settings/tokens/", headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "not shown again" in fragment and "<html" not in fragment
    refresh = re.search(r'name="issued-refresh">([^<]+)<', fragment)[1]
    access = re.search(r'name="issued-access">([^<]+)<', fragment)[1]
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert bearer.get("/api/settings").status_code == 200
    assert _refresh(refresh).status_code == 200
    # Listed on the page, the secret itself never again.
    page = client.get("/accounts/settings/").content.decode()
    assert page.count("<tr data-jti=") == 1 and refresh not in page


def test_revoking_stops_refreshing_and_revoke_all_takes_every_one(client, alice):
    client.force_login(alice)
    first, second = api_tokens.issue_token(alice), api_tokens.issue_token(alice)
    [newest, oldest] = api_tokens.live_tokens(alice)
    response = client.post(f"/accounts/settings/tokens/{oldest.jti}/revoke/", headers=HTMX)
    assert response.status_code == 200
    assert response.content.decode().count("<tr data-jti=") == 1
    assert _refresh(first.refresh).status_code == 401
    client.post("/accounts/settings/tokens/revoke-all/", headers=HTMX)
    assert api_tokens.live_tokens(alice) == []
    assert _refresh(second.refresh).status_code == 401
    assert newest.jti != oldest.jti


def test_another_users_token_is_neither_listed_nor_revocable(client, alice, bob):
    bobs = api_tokens.issue_token(bob)
    [bobs_live] = api_tokens.live_tokens(bob)
    client.force_login(alice)
    assert bobs_live.jti not in client.get("/accounts/settings/").content.decode()
    assert client.post(f"/accounts/settings/tokens/{bobs_live.jti}/revoke/", headers=HTMX).status_code == 404
    client.post("/accounts/settings/tokens/revoke-all/", headers=HTMX)
    assert _refresh(bobs.refresh).status_code == 200


def test_without_a_login_nothing_is_issued(client):
    response = client.post("/accounts/settings/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
