"""/health: what an operator or a load balancer needs to know, cheaply."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from redis.exceptions import RedisError

from feeds.exchanges import EXCHANGE_IDS
from feeds.status import status_key


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _layer_ok() -> bool:
    """The channel layer is the in-memory one, always there, or Redis, which must answer."""
    if not settings.REDIS_URL:
        return True
    try:
        with redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2) as client:
            return bool(client.ping())
    except (RedisError, OSError):
        return False


def health(request: HttpRequest) -> JsonResponse:
    try:
        statuses = cache.get_many([status_key(eid) for eid in EXCHANGE_IDS])
        cache_ok = True
    except (RedisError, OSError):
        statuses, cache_ok = {}, False
    now_ms = int(time.time() * 1000)
    exchanges = {}
    for eid in EXCHANGE_IDS:
        status = statuses.get(status_key(eid))
        if status is None:
            exchanges[eid] = {"state": "not running"}
            continue
        age = now_ms - status["last_message_ms"] if status.get("last_message_ms") else None
        exchanges[eid] = {
            "state": status["state"],
            "last_message_age_ms": age,
            "messages_per_s": status["messages_per_s"],
            "reconnects": status["reconnects"],
            "last_error": status["last_error"],
        }
    checks = {"database": _database_ok(), "channel_layer": _layer_ok(), "cache": cache_ok}
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "degraded", **checks, "exchanges": exchanges, "timestamp_ms": now_ms},
        status=200 if ok else 503,
    )
