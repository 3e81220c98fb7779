"""Redis or the database out of reach, seen from the web: an answer that says so, and a log
that says it once.

While a service is down, the API answers 503 `{"detail": ...}` and pages a plain 503 page,
both with Retry-After; nothing needs restarting when it returns (connections are opened
again on demand). The outage is logged when it starts and, once a request that succeeds has
checked the service (at most once a second), when it ends (lib.service_watch).
"""

from __future__ import annotations

import logging

import redis.exceptions
from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from lib.service_watch import DATABASE, REDIS, ServiceWatch, outage_service

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5
UNAVAILABLE_DETAIL = "Service temporarily unavailable, try again shortly."

WATCHES = {REDIS: ServiceWatch(REDIS, logger), DATABASE: ServiceWatch(DATABASE, logger)}


def _redis_answers() -> bool:
    from django.conf import settings

    from lib.redis_clients import SOCKET_TIMEOUT_S

    try:
        with redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=SOCKET_TIMEOUT_S
        ) as client:
            return bool(client.ping())
    except redis.exceptions.RedisError:
        return False


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except (OperationalError, InterfaceError):
        connection.close()
        return False


PROBES = {REDIS: _redis_answers, DATABASE: _database_answers}


def check_recovery() -> None:
    """For each service believed down, check it (rate-limited) and log its return."""
    for name, watch in WATCHES.items():
        if watch.probe_due() and PROBES[name]():
            watch.succeeded()


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
    else:
        # No request context: the context processors read the cache, which may be what is down.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    # Django logs every 5xx with a traceback; ServiceWatch says it once per outage instead.
    response._has_been_logged = True
    return response


class ServiceOutageMiddleware:
    """A view that fails because Redis or the database is down answers 503, not 500."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        response = self.get_response(request)
        if response.status_code < 500 and any(watch.down for watch in WATCHES.values()):
            check_recovery()
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        if response.status_code < 500 and any(watch.down for watch in WATCHES.values()):
            await sync_to_async(check_recovery)()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        service = outage_service(exception)
        if service is None:
            return None
        WATCHES[service].failed(exception)
        return unavailable_response(request)
