"""Request rates: anonymous callers, users, password attempts, sign-ups and account emails.

The counts live in the cache (Redis when scaled out, so every web process shares them).
Rates are read on each request, not at import, so settings can change them (tests do).
The client address is DRF's: the socket's, or the one `NUM_PROXIES` trusted proxies put in
X-Forwarded-For.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

# Scopes (their rates are in REST_FRAMEWORK's DEFAULT_THROTTLE_RATES).
LOGIN = "login"  # password attempts: /api/token/, the login page and the admin's, together
SIGNUP = "signup"  # accounts created
ACCOUNT_EMAIL = "account_email"  # password-reset and verification emails, per client address and per recipient


class _CurrentRates:
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_CurrentRates, AnonRateThrottle):
    pass


class UserThrottle(_CurrentRates, UserRateThrottle):
    pass


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


def recipient_key(email: str) -> str:
    """The count key of an email recipient: a hash, so cache keys hold no addresses."""
    return "to-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
