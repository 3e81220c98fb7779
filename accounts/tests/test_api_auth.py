"""The bearer token's user, kept in the process briefly (accounts.api_auth)."""

from __future__ import annotations

import asyncio

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts import api_auth

pytestmark = pytest.mark.django_db


async def test_calls_needing_an_expired_row_at_once_load_it_once(alice, monkeypatch):
    loads = []

    def load(user_id):
        loads.append(user_id)
        return alice

    monkeypatch.setattr(api_auth, "_load_outside_a_request", load)
    header = f"Bearer {AccessToken.for_user(alice)}".encode()
    users = await asyncio.gather(*(api_auth.abearer_user(header) for _ in range(50)))
    assert loads == [str(alice.pk)]
    assert {user.pk for user in users} == {alice.pk}
    assert len({id(user) for user in users}) == 50  # each call its own copy


async def test_anything_but_a_valid_bearer_token_is_left_to_drf(alice):
    assert await api_auth.abearer_user(None) is None
    assert await api_auth.abearer_user(b"Basic YWxpY2U6cGFzcw==") is None
    assert await api_auth.abearer_user(b"Bearer not-a-token") is None
