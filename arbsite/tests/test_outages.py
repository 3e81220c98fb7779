"""Redis or the database out of reach: 503 with Retry-After, JSON on the API and a plain page
elsewhere, and one log line when a service goes and one when it is back."""

from __future__ import annotations

import logging

import pytest
import redis
from django.db import OperationalError

from arbsite import outages
from lib.service_watch import DATABASE, REDIS, ServiceWatch, outage_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _services_up():
    for watch in outages.WATCHES.values():
        watch.succeeded()
    yield
    for watch in outages.WATCHES.values():
        watch.succeeded()


@pytest.fixture
def cache_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:9. Connection refused.")

    monkeypatch.setattr("django.core.cache.cache.get_many", refuse)
    monkeypatch.setattr("django.core.cache.cache.get", refuse)


def test_the_api_answers_503_in_json_while_redis_is_down(api_client, alice, cache_down):
    api_client.force_authenticate(user=alice)
    response = api_client.get("/api/prices")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": outages.UNAVAILABLE_DETAIL}
    assert int(response["Retry-After"]) == outages.RETRY_AFTER_S


def test_a_page_answers_a_plain_503_while_redis_is_down(client, alice, cache_down):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content
    assert int(response["Retry-After"]) == outages.RETRY_AFTER_S


def test_the_api_answers_503_while_the_database_is_down(api_client, alice, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("arbitrage.queries.opportunity_history", refuse)
    api_client.force_authenticate(user=alice)
    response = api_client.get("/api/opportunities")
    assert response.status_code == 503
    assert response.json() == {"detail": outages.UNAVAILABLE_DETAIL}


def test_other_errors_stay_server_errors():
    assert outage_service(ValueError("a bug")) is None
    assert outage_service(redis.exceptions.ResponseError("WRONGTYPE")) is None
    assert outage_service(redis.exceptions.TimeoutError()) == REDIS
    assert outage_service(OperationalError()) == DATABASE


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    watch = ServiceWatch("Redis", logging.getLogger("drill"))
    with caplog.at_level(logging.INFO, logger="drill"):
        for _ in range(25):  # a loop retrying every 0.2 s for five seconds
            watch.failed(ConnectionError("refused"))
        watch.succeeded()
        watch.succeeded()
    assert [record.getMessage() for record in caplog.records] == [
        "Redis is unavailable (refused); counting failures until it is back",
        caplog.records[1].getMessage(),
    ]
    assert caplog.records[1].getMessage().startswith("Redis is available again after ")
    assert caplog.records[1].getMessage().endswith("; 25 failures meanwhile")


def test_a_request_that_succeeds_while_a_service_is_down_checks_it_and_logs_its_return(client, caplog, monkeypatch):
    outages.WATCHES[REDIS].failed(ConnectionError("refused"))
    monkeypatch.setitem(outages.PROBES, REDIS, lambda: True)
    with caplog.at_level(logging.INFO, logger="arbsite.outages"):
        assert client.get("/accounts/login/").status_code == 200
    assert not outages.WATCHES[REDIS].down
    assert "Redis is available again" in caplog.text
