"""Redis or the database out of reach: an answer that says so, and a log that says it once.

While a service is down, the API answers 503 `{"detail": ...}` and pages a plain 503 page,
both with Retry-After; nothing needs restarting when it returns (connections are opened
again on demand). `ServiceWatch` logs one warning when a service goes, one line when it is
back with how long it was gone and how many failures were counted meanwhile, and nothing in
between: loops that retry every 0.2 s use it too.
"""

from __future__ import annotations

import logging
import threading
import time

import redis.exceptions
from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerError  # Celery's broker (Redis here) out of reach

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5
UNAVAILABLE_DETAIL = "Service temporarily unavailable, try again shortly."
PROBE_INTERVAL_S = 1.0  # while a service is down, requests that succeed check it at most this often

REDIS = "Redis"
DATABASE = "the database"


def outage_service(exc: BaseException) -> str | None:
    """Which service `exc` says is out of reach, or None for any other error."""
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError | BrokerError):
        return REDIS
    if isinstance(exc, OperationalError | InterfaceError):
        return DATABASE
    return None


def is_outage(exc: BaseException) -> bool:
    return outage_service(exc) is not None


class ServiceWatch:
    """One service's availability as its callers see it, logged on transitions only."""

    def __init__(self, name: str, log: logging.Logger = logger) -> None:
        self.name = name
        self.log = log
        self.down_since: float | None = None  # monotonic s
        self.failures = 0
        self.last_probe = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        self.log.warning("%s is unavailable (%s); counting failures until it is back", self.name, exc)

    def succeeded(self) -> None:
        with self._lock:
            if self.down_since is None:
                return
            gone_s, failures = time.monotonic() - self.down_since, self.failures
            self.down_since, self.failures = None, 0
        self.log.warning("%s is available again after %.1f s; %d failures meanwhile", self.name, gone_s, failures)

    def probe_due(self) -> bool:
        """Whether to check a down service now (at most once per PROBE_INTERVAL_S)."""
        with self._lock:
            now = time.monotonic()
            if self.down_since is None or now - self.last_probe < PROBE_INTERVAL_S:
                return False
            self.last_probe = now
            return True


WATCHES = {REDIS: ServiceWatch(REDIS), DATABASE: ServiceWatch(DATABASE)}


def _redis_answers() -> bool:
    from django.conf import settings

    from arbsite.redis_clients import SOCKET_TIMEOUT_S

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
