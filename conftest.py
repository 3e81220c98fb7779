"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connections


@pytest.fixture(autouse=True)
def _empty_cache():
    from accounts.api_auth import forget_users
    from accounts.throttles import shared_counts
    from arbitrage.fast_api import prices_cache
    from arbsite.health import database_check

    def empty() -> None:
        cache.clear()
        # The in-process copies too: user rows, throttle counts, the prices document, /health's check.
        forget_users()
        shared_counts.forget()
        prices_cache.forget()
        database_check.forget()

    empty()
    yield
    empty()


@pytest.fixture(autouse=True)
def _opportunity_updates_at_every_fan_out(settings):
    """Engines built in a test send a changed opportunity at every fan-out: tests step fan-outs
    by hand, faster than the product's ARBSITE_OPPORTUNITY_RESEND_MS (500 ms) between two
    sends of one opportunity. arbitrage/tests/test_opportunity_resend.py sets it back; the
    product started as a child process keeps its default."""
    settings.OPPORTUNITY_RESEND_MS = 0


@pytest.fixture
def redis_url() -> str:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no Redis server configured for this run (.ci/run sets it)")
    return settings.REDIS_URL


@pytest.fixture
def postgres_url() -> str:
    if not settings.DATABASE_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL names no PostgreSQL server for this run (.ci/run sets it)")
    return settings.DATABASE_URL


def _throwaway(kind: str):
    """A server of tests/services.py, started for one test and removed after it."""
    from tests import services

    try:
        server = getattr(services, kind)()
    except services.ServiceUnavailable as exc:
        pytest.skip(f"no throwaway {kind}: {exc}")
    with server:
        yield server


@pytest.fixture
def redis_server():
    """A Redis of this test's own on a free port, to stop and start in a drill."""
    yield from _throwaway("RedisServer")


@pytest.fixture
def postgres_server():
    """A PostgreSQL cluster of this test's own on a free port, to stop and start in a drill."""
    yield from _throwaway("PostgresServer")


# The standing users have proven their email addresses (alert emails go only to verified ones).
@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user(
        "alice", "alice@example.com", "alice-pass-1234", verified_email="alice@example.com"
    )


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(
        "bob", "bob@example.com", "bob-pass-1234", verified_email="bob@example.com"
    )


@pytest.fixture
def admin(django_user_model):
    """A staff superuser, the third of the standing users."""
    return django_user_model.objects.create_superuser(
        "admin", "admin@example.com", "admin-pass-1234", verified_email="admin@example.com"
    )


@pytest.fixture
def api_client():
    """DRF's test client, for calls with a bearer token (`credentials`) or a session."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def as_user(api_client):
    """`as_user(alice).get(...)`: the API client, authenticated as that user from now on."""

    def login(user):
        api_client.force_authenticate(user=user)
        return api_client

    return login


@pytest.fixture
def login_cookie(client):
    """The Cookie header of a logged-in browser session for a user."""

    def force_login(user) -> None:
        client.force_login(user)
        # This runs in a worker thread: close its connection, or the test database
        # cannot be dropped at the end of the run.
        connections.close_all()

    async def cookie_for(user) -> bytes:
        await sync_to_async(force_login)(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    return cookie_for
