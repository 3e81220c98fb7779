"""Page views of getting in: log in (ours and the admin's, rate-limited together with
/api/token/), sign up (a setting opens it; rate-limited), password reset (only where mail is
really delivered; rate-limited) and email verification."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods, require_POST

from accounts import email_verification, throttles
from accounts.forms import SignupForm

logger = logging.getLogger(__name__)


def too_many(message: str, refused: throttles.Refused) -> HttpResponse:
    response = HttpResponse(
        f"{message}; try again in {refused.retry_after_s} s.", status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(refused.retry_after_s)
    return response


def limit_password_attempts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Count every POST to `view` as a password attempt of the client address, with /api/token/'s."""

    @wraps(view)
    def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and (refused := throttles.take(request, throttles.LOGIN)):
            return too_many("Too many login attempts from your address", refused)
        return view(request, *args, **kwargs)

    return limited


@method_decorator(limit_password_attempts, name="post")
class LoginView(auth_views.LoginView):
    """Django's login page; attempts per client address are counted with /api/token/'s."""

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), **_ways_in()}


def _ways_in() -> dict:
    return {"signup_open": settings.SIGNUP_OPEN, "password_reset_by_email": settings.PASSWORD_RESET_BY_EMAIL}


# --- sign up and email verification -------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    if request.method == "POST" and (refused := throttles.take(request, throttles.SIGNUP)):
        return too_many("Too many sign-ups from your address", refused)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. Choose what to watch below.")
        if user.email:
            _send_verification(request, user)
        return redirect("settings")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_POST
def send_verification_email(request: HttpRequest) -> HttpResponse:
    """A new verification link to the user's address (from Settings)."""
    user = request.user
    if not user.email:
        messages.error(request, "Your account has no email address; an admin can set one.")
    elif user.email_verified:
        messages.info(request, f"{user.email} is already verified.")
    else:
        _send_verification(request, user)
    return redirect("settings")


def _send_verification(request: HttpRequest, user) -> None:
    """Send the link, counted per client address and per recipient; the outcome as a message."""
    refused = throttles.take(request, throttles.ACCOUNT_EMAIL) or throttles.take(
        request, throttles.ACCOUNT_EMAIL, throttles.recipient_key(user.email)
    )
    if refused:
        messages.warning(
            request,
            f"Too many emails asked for just now: send the verification link from Settings in "
            f"{refused.retry_after_s} s.",
        )
        return
    link = request.build_absolute_uri(reverse("verify-email", args=[email_verification.token_for(user)]))
    try:
        email_verification.send_verification(user, link)
    except email_verification.EmailNotSent as exc:
        logger.warning("verification email to user %s not sent: %s", user.pk, exc)
        messages.error(request, "The verification email could not be sent; try again from Settings later.")
        return
    messages.info(request, f"We sent a link to {user.email}: open it to receive alerts by email.")


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the verification email: it needs no session, the signature is the proof."""
    try:
        user = email_verification.verify(token)
    except email_verification.VerificationFailed as exc:
        return render(request, "registration/email_verification.html", {"error": str(exc)}, status=400)
    return render(request, "registration/email_verification.html", {"verified_email": user.email})


# --- password reset -------------------------------------------------------------------------
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by emailed link, only where mail leaves this machine (else the link would
    sit in a log), and rate-limited per client address and per address it is sent to."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PASSWORD_RESET_BY_EMAIL:
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render(request, "registration/password_reset_unavailable.html", status=status)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        recipient = throttles.recipient_key(request.POST.get("email", ""))
        refused = throttles.take(request, throttles.ACCOUNT_EMAIL) or throttles.take(
            request, throttles.ACCOUNT_EMAIL, recipient
        )
        if refused:
            return too_many("Too many password-reset emails asked for", refused)
        return super().post(request, *args, **kwargs)
