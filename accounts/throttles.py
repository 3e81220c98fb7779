"""Request rates: anonymous callers, users, and password attempts.

The counts live in the cache (Redis when scaled out, so every web process shares them).
Rates are read on each request, not at import, so settings can change them (tests do).
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _CurrentRates:
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_CurrentRates, AnonRateThrottle):
    pass


class UserThrottle(_CurrentRates, UserRateThrottle):
    pass


class LoginThrottle(_CurrentRates, SimpleRateThrottle):
    """Password attempts per client address: the token endpoint and the login page share it."""

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def login_allowed(request) -> tuple[bool, float | None]:
    """Whether one more password attempt from this client is allowed now; else seconds to wait.

    For plain Django views (the login page), where DRF's throttling does not run.
    """
    throttle = LoginThrottle()
    if throttle.allow_request(request, None):
        return True, None
    return False, throttle.wait()
