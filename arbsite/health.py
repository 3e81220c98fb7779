"""/health: what an operator or a load balancer needs to know, cheaply.

The answer reflects whether data is live, not only whether processes are up: each exchange's
feed is judged by how recently data arrived and its worker reported (feeds.freshness).
The exchanges expected are those not switched off (admin → Exchanges), read with the database
check. HTTP 200 with `"status": "ok"` when the database, the cache and the channel layer answer
and every running feed is fresh; 200 `"degraded"` when some feed is silent or down; 503 `"down"`
when a dependency fails or no feed is fresh at all.

Served before Django's request cycle (lib.fast_paths) and as a plain async view (HEAD,
tests); the database is asked at most once per `DATABASE_CHECK_S` per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.http import HttpRequest, JsonResponse
from redis.exceptions import RedisError

from feeds.configuration import expected_exchanges
from feeds.freshness import UNAVAILABLE, expected_cadence_ms, judge_feed, overall
from feeds.status import status_key
from lib import clock
from lib.async_cache import aget_many
from lib.redis_clients import async_client
from lib.refreshed import Refreshed

DATABASE_CHECK_S = 1.0


@dataclass(frozen=True)
class DatabaseCheck:
    ok: bool
    exchange_ids: list[str]  # the exchanges expected to run: as last read, when the database fails
    max_quote_age_ms: dict[str, int]  # each one's, for its expected cadence


def _expected_exchanges() -> dict[str, int] | None:
    """The exchanges not switched off and their max quote ages, which also proves the database
    answers; None if not."""
    try:
        return expected_exchanges()
    except DatabaseError:
        return None
    finally:
        close_old_connections()  # outside a request cycle nobody else lets this connection go


async def _check_database() -> DatabaseCheck:
    # Not the caller's thread: a test's open transaction must not be closed under it.
    expected = await sync_to_async(_expected_exchanges, thread_sensitive=False)()
    if expected is None:
        last = database_check.value  # the check before this one, still kept while this runs
        return DatabaseCheck(False, last.exchange_ids if last else [], last.max_quote_age_ms if last else {})
    return DatabaseCheck(True, list(expected), expected)


database_check: Refreshed[DatabaseCheck] = Refreshed(_check_database, lambda: DATABASE_CHECK_S)


async def _layer_ok(cache_ok: bool) -> bool:
    """The channel layer is the in-memory one, always there, or Redis, which must answer
    (the cache's answer says so when both are the same server, as settings make them)."""
    if not settings.REDIS_URL:
        return True
    if settings.CACHES["default"].get("LOCATION") == settings.REDIS_URL:
        return cache_ok
    try:
        return bool(await async_client().ping())
    except (RedisError, OSError):
        return False


async def _statuses(exchange_ids: list[str]) -> tuple[dict[str, dict], bool]:
    try:
        return await aget_many([status_key(eid) for eid in exchange_ids]), True
    except (RedisError, OSError):
        return {}, False


async def health_report() -> tuple[dict, int]:
    database = await database_check.get()
    statuses, cache_ok = await _statuses(database.exchange_ids)
    layer_ok = await _layer_ok(cache_ok)
    now_ms = clock.now_ms()
    silent_after_ms, down_after_ms = int(settings.FEED_SILENT_S * 1000), int(settings.FEED_STALL_TIMEOUT_S * 1000)
    exchanges = {}
    for eid in database.exchange_ids:
        status = statuses.get(status_key(eid))
        cadence_ms = expected_cadence_ms(silent_after_ms, database.max_quote_age_ms.get(eid))
        freshness = judge_feed(status, now_ms, cadence_ms, down_after_ms)
        report = {"freshness": freshness.level, "reason": freshness.reason}
        if status is not None:
            report |= {
                "state": status["state"],
                "last_message_age_ms": freshness.last_message_age_ms,
                "messages_per_s": status["messages_per_s"],
                "reconnects": status["reconnects"],
                "last_error": status["last_error"],
                "last_error_ms": status.get("last_error_ms"),
            }
        exchanges[eid] = report
    checks = {"database": database.ok, "channel_layer": layer_ok, "cache": cache_ok}
    status = overall([report["freshness"] for report in exchanges.values()], all(checks.values()))
    body = {"status": status, **checks, "exchanges": exchanges, "timestamp_ms": now_ms}
    return body, 503 if status == UNAVAILABLE else 200


async def health(request: HttpRequest) -> JsonResponse:
    body, status = await health_report()
    response = JsonResponse(body, status=status)
    # A 503 here is the report, not a failed request: not logged at every poll (Django logs 5xx).
    response._has_been_logged = True
    return response
