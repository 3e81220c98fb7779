"""Password attempts are rate-limited per client address, the token endpoint and the login
page counting together."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_attempts_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/min"},
    }


def test_the_token_endpoint_refuses_a_fourth_attempt(api_client, alice):
    for _ in range(3):
        assert (
            api_client.post("/api/token/", {"username": "alice", "password": "guess"}, format="json").status_code == 401
        )
    response = api_client.post("/api/token/", {"username": "alice", "password": "alice-pass-1234"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "access" not in response.json()


def test_the_login_page_and_the_token_endpoint_share_the_count(client, api_client, alice):
    for _ in range(2):
        assert client.post("/accounts/login/", {"username": "alice", "password": "guess"}).status_code == 200
    assert api_client.post("/api/token/", {"username": "alice", "password": "guess"}, format="json").status_code == 401
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-1234"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_attempts_from_another_address_are_counted_apart(api_client, alice):
    for _ in range(3):
        api_client.post("/api/token/", {"username": "alice", "password": "guess"}, format="json")
    response = api_client.post(
        "/api/token/", {"username": "alice", "password": "alice-pass-1234"}, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200


def test_a_forwarded_for_header_does_not_reset_the_count(api_client, alice):
    for _ in range(3):
        api_client.post("/api/token/", {"username": "alice", "password": "guess"}, format="json")
    response = api_client.post(
        "/api/token/", {"username": "alice", "password": "guess"}, format="json", HTTP_X_FORWARDED_FOR="10.1.2.3"
    )
    assert response.status_code == 429


def test_the_login_page_still_logs_in(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-pass-1234"})
    assert response.status_code == 302
    assert client.get("/accounts/login/").status_code == 200


def test_the_admin_login_is_counted_with_the_others(client, api_client, admin):
    for _ in range(2):
        assert client.post("/admin/login/", {"username": "admin", "password": "guess"}).status_code == 200
    assert api_client.post("/api/token/", {"username": "admin", "password": "guess"}, format="json").status_code == 401
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "admin-pass-1234"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200  # only attempts are counted


def test_the_admin_login_still_logs_in(client, admin):
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "admin-pass-1234"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


PROXY = "172.18.0.2"  # every request arrives from the proxy


def test_behind_a_proxy_clients_are_counted_apart(client, alice, behind_one_proxy):
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "guess"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    refused = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "guess"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert refused.status_code == 429
    another_client = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-pass-1234"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert another_client.status_code == 302


def test_behind_a_proxy_a_client_cannot_choose_its_address(api_client, alice, behind_one_proxy):
    """The proxy appends the address it saw; what the client wrote before it is not trusted."""
    for forged in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        api_client.post(
            "/api/token/",
            {"username": "alice", "password": "guess"},
            format="json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7",
        )
    response = api_client.post(
        "/api/token/",
        {"username": "alice", "password": "guess"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="10.0.0.4, 203.0.113.7",
    )
    assert response.status_code == 429
