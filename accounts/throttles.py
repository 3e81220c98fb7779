"""Request rates: anonymous callers, users, password attempts, sign-ups and account emails.

The counts live in the cache (Redis when scaled out, so every web process shares them).
Rates are read on each request, not at import, so settings can change them (tests do).
The client address is DRF's: the socket's, or the one `NUM_PROXIES` trusted proxies put in
X-Forwarded-For. The API's per-caller rates are counted in windows (accounts.rate_windows), the
same counters whether a request is answered by DRF or by the async fast path (`auser_allowed`,
which sees them through `shared_counts`).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from accounts.rate_windows import Verdict, judge, windows_at
from lib.async_cache import aadd_and_read, incr_counter

# Scopes (their rates are in REST_FRAMEWORK's DEFAULT_THROTTLE_RATES).
LOGIN = "login"  # password attempts: /api/token/, the login page and the admin's, together
SIGNUP = "signup"  # accounts created
ACCOUNT_EMAIL = "account_email"  # password-reset and verification emails, per client address and per recipient
ALERT_TEST = "alert_test"  # test alerts, per user (a test can send an email or call a webhook)


class _CurrentRates:
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def _window_keys(key: str, now_s: float, duration_s: int) -> tuple[str, str, float]:
    windows = windows_at(now_s, duration_s)
    return f"{key}:{windows.index - 1}", f"{key}:{windows.index}", windows.elapsed


def count_in_windows(key: str, limit: int, duration_s: int, now_s: float) -> Verdict:
    """Judge one more request under `key` and count it if allowed."""
    previous_key, current_key, elapsed = _window_keys(key, now_s, duration_s)
    counts = cache.get_many([previous_key, current_key])
    verdict = judge(counts.get(previous_key, 0), counts.get(current_key, 0), elapsed, limit, duration_s)
    if verdict.allowed:
        incr_counter(current_key, 2 * duration_s)
    return verdict


class _SharedCounts:
    """Window counters as this process sees them from async code: Redis's values, refreshed at
    most every `API_THROTTLE_SYNC_MS`, plus what this process counted since, which goes to
    Redis with the next refresh. A call needs no round trip to Redis of its own; the price is
    that other processes' counts are seen up to that much late."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self.known: dict[str, int] = {}
        self.pending: dict[str, tuple[int, int]] = {}  # key -> (count, timeout_s)
        self.wanted: set[str] = set()
        self.refreshed_at = 0.0  # monotonic s
        self.refreshing: asyncio.Future | None = None

    async def counts(self, keys: list[str]) -> dict[str, int]:
        self.wanted.update(keys)
        stale = time.monotonic() - self.refreshed_at > settings.API_THROTTLE_SYNC_MS / 1000
        if stale or any(key not in self.known for key in keys):
            refreshing = self.refreshing
            if refreshing is None or refreshing.get_loop() is not asyncio.get_running_loop():
                refreshing = self.refreshing = asyncio.ensure_future(self._refresh())
            await asyncio.shield(refreshing)
        return {key: self.known.get(key, 0) + self.pending.get(key, (0, 0))[0] for key in keys}

    def add(self, key: str, timeout_s: int) -> None:
        count, _ = self.pending.get(key, (0, 0))
        self.pending[key] = (count + 1, timeout_s)

    async def _refresh(self) -> None:
        started = time.monotonic()
        sent, self.pending = self.pending, {}
        wanted, self.wanted = self.wanted, set()
        try:
            found = await aadd_and_read(sent, sorted(wanted))
        except BaseException:
            for key, (count, timeout_s) in sent.items():  # not counted yet: keep for the next try
                self.pending[key] = (self.pending.get(key, (0, 0))[0] + count, timeout_s)
            self.wanted |= wanted
            raise
        finally:
            self.refreshing = None
        self.known = {key: found.get(key, 0) for key in wanted}
        self.refreshed_at = started


shared_counts = _SharedCounts()


async def atake(key: str, limit: int, duration_s: int, now_s: float) -> Verdict:
    """`count_in_windows` for async code, on the same counters, seen through `shared_counts`."""
    previous_key, current_key, elapsed = _window_keys(key, now_s, duration_s)
    counts = await shared_counts.counts([previous_key, current_key])
    verdict = judge(counts[previous_key], counts[current_key], elapsed, limit, duration_s)
    if verdict.allowed:
        shared_counts.add(current_key, 2 * duration_s)
    return verdict


class _CountedInWindows:
    """DRF's rate throttle with its sliding log replaced by window counters (`count_in_windows`)."""

    def allow_request(self, request, view) -> bool:
        self.verdict = Verdict(True, 0.0)
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        self.verdict = count_in_windows(key, self.num_requests, self.duration, self.timer())
        return self.verdict.allowed

    def wait(self) -> float:
        return self.verdict.wait_s


class AnonThrottle(_CountedInWindows, _CurrentRates, AnonRateThrottle):
    pass


class UserThrottle(_CountedInWindows, _CurrentRates, UserRateThrottle):
    pass


async def auser_allowed(user) -> bool:
    """Whether the user may make one more API call now (counted if so), from async code."""
    throttle = UserThrottle()
    if throttle.rate is None:
        return True
    key = throttle.get_cache_key(SimpleNamespace(user=user), None)
    return (await atake(key, throttle.num_requests, throttle.duration, time.time())).allowed


class ScopedThrottle(_CurrentRates, SimpleRateThrottle):
    """Requests in one scope, counted per client address, or per `key` when one is given."""

    def __init__(self, scope: str, key: str | None = None) -> None:
        self.scope, self.counted_key = scope, key
        super().__init__()

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.counted_key or self.get_ident(request)}


class LoginThrottle(ScopedThrottle):
    """Password attempts per client address, as a DRF throttle class (the token endpoint)."""

    def __init__(self) -> None:
        super().__init__(LOGIN)


@dataclass(frozen=True)
class Refused:
    """Over a limit: how long to wait, in whole seconds (at least 1)."""

    retry_after_s: int


def take(request, scope: str, key: str | None = None) -> Refused | None:
    """Count one request in `scope` (per client address, or per `key`); Refused when over the rate.

    For plain Django views (the login pages, sign-up, password reset), where DRF's throttling
    does not run.
    """
    throttle = ScopedThrottle(scope, key)
    if throttle.allow_request(request, None):
        return None
    return Refused(max(1, math.ceil(throttle.wait() or 1)))


def user_key(user) -> str:
    """The count key of a user, for limits that follow the user across addresses and pages."""
    return f"user-{user.pk}"


def recipient_key(email: str) -> str:
    """The count key of an email recipient: a hash, so cache keys hold no addresses."""
    return "to-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
