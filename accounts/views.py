"""Page views of accounts: Django's login, with password attempts rate-limited."""

from __future__ import annotations

import math

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from accounts.throttles import login_allowed


class LoginView(auth_views.LoginView):
    """Django's login page; attempts per client address are counted with /api/token/'s."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        allowed, wait_s = login_allowed(request)
        if not allowed:
            seconds = math.ceil(wait_s or 1)
            response = HttpResponse(
                f"Too many login attempts from your address; try again in {seconds} s.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)
