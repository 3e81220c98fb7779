"""A refresh token works once, however many requests race with it (PostgreSQL decides)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 8


@pytest.fixture
def all_check_before_any_goes_on(monkeypatch):
    """Every request finds the token unused before any of them uses it: the worst interleaving,
    every time, rather than whatever the scheduler happens to produce."""
    barrier = threading.Barrier(RACERS, timeout=10)
    waited = threading.local()
    check_blacklist = RefreshToken.check_blacklist

    def check_then_wait_for_the_others(token) -> None:
        check_blacklist(token)
        racing = threading.current_thread() is not threading.main_thread()
        if racing and not getattr(waited, "done", False):  # a request's first check only
            waited.done = True
            barrier.wait()

    monkeypatch.setattr(RefreshToken, "check_blacklist", check_then_wait_for_the_others)


def refresh_concurrently(refresh: str) -> list[dict]:
    answers: list[dict] = []

    def use_it(number: int) -> None:
        try:
            response = APIClient().post(
                "/api/token/refresh/", {"refresh": refresh}, format="json", REMOTE_ADDR=f"10.0.0.{number}"
            )
            answers.append({"status": response.status_code, **response.json()})
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=use_it, args=(number,)) for number in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_of_concurrent_refreshes_with_one_token_exactly_one_succeeds(postgres_url, alice, all_check_before_any_goes_on):
    refresh = RefreshToken.for_user(alice)

    answers = refresh_concurrently(str(refresh))

    assert sorted(answer["status"] for answer in answers) == [200] + [401] * (RACERS - 1)
    refused = [answer for answer in answers if answer["status"] == 401]
    assert {(answer["code"], answer["detail"]) for answer in refused} == {("token_not_valid", "Token is blacklisted")}
    assert BlacklistedToken.objects.filter(token__jti=refresh["jti"]).count() == 1
    # One new refresh token was issued, and it works (once).
    [winner] = [answer for answer in answers if answer["status"] == 200]
    assert OutstandingToken.objects.filter(user=alice).count() == 2
    again = APIClient().post("/api/token/refresh/", {"refresh": winner["refresh"]}, format="json")
    assert again.status_code == 200
