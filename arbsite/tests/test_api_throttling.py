"""API request rates: per user once authenticated, per client address before."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


def test_a_user_over_the_rate_is_told_when_to_come_back(api_client, alice, bob, rates):
    rates(user="2/min")
    api_client.force_authenticate(user=alice)
    assert [api_client.get("/api/prices").status_code for _ in range(3)] == [200, 200, 429]
    assert int(api_client.get("/api/prices")["Retry-After"]) > 0
    api_client.force_authenticate(user=bob)  # counted per user
    assert api_client.get("/api/prices").status_code == 200


def test_anonymous_callers_are_counted_per_address(api_client, rates):
    rates(anon="1/min")
    assert api_client.post("/api/token/refresh/", {"refresh": "x"}, format="json").status_code == 401
    assert api_client.post("/api/token/refresh/", {"refresh": "x"}, format="json").status_code == 429
