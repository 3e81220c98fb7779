"""The throwaway servers fault drills use: they serve, stop and come back on the same port."""

from __future__ import annotations

import psycopg
import pytest
import redis


def test_redis_server_stops_and_starts_again_empty(redis_server):
    client = redis.Redis.from_url(redis_server.url, socket_timeout=1)
    client.set("drill", "1")

    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        client.ping()

    redis_server.start()
    assert client.ping()
    assert client.get("drill") is None  # no persistence: a restart comes back empty


def test_postgres_server_stops_and_starts_again_with_its_data(postgres_server):
    with psycopg.connect(postgres_server.url, autocommit=True) as connection:
        connection.execute("CREATE TABLE drill (n int)")
        connection.execute("INSERT INTO drill VALUES (7)")

    postgres_server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(postgres_server.url, connect_timeout=1)

    postgres_server.start()
    with psycopg.connect(postgres_server.url) as connection:
        assert connection.execute("SELECT n FROM drill").fetchone() == (7,)
