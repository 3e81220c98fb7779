"""Proving an email address is the user's before alert emails go to it: a signed, time-limited
link sent to the address; opening it marks that very address verified.

The link carries the user and the address, signed with SECRET_KEY (django.core.signing), so
nothing is stored until it is opened, and a link sent to an address the account no longer has
verifies nothing.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail

SALT = "accounts.email-verification"


def why_no_alert_email(user) -> str | None:
    """Why alert emails cannot go to this user (refused on the rule, skipped in the history), or None."""
    if not user.email:
        return "your account has no email address"
    if not user.email_verified:
        return (
            "your email address is not verified yet: open the link in the verification email, "
            "or send a new one from Settings"
        )
    return None


class VerificationFailed(Exception):
    """A link that verifies nothing; the message says why, for the user."""


class EmailNotSent(Exception):
    """The verification email could not be handed to the mail server."""


def token_for(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT, compress=True)


def send_verification(user, link: str) -> None:
    """Email `link` (the verification URL of `token_for(user)`) to the user's address."""
    text = (
        f"Hello {user.get_username()},\n\n"
        f"Open this link to confirm that {user.email} is your address; Arbsite's email alerts then go to it:\n\n"
        f"{link}\n\n"
        f"The link works for {settings.EMAIL_VERIFICATION_MAX_AGE_S // 3600} hours. "
        "If you did not sign up for Arbsite, ignore this email.\n"
    )
    try:
        sent = send_mail("Confirm your email address for Arbsite", text, settings.DEFAULT_FROM_EMAIL, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        raise EmailNotSent(str(exc)) from exc
    if not sent:
        raise EmailNotSent("the email backend sent nothing")


def verify(token: str):
    """Mark the address a link was sent to verified; the user. VerificationFailed says why not."""
    try:
        claim = signing.loads(token, salt=SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE_S)
    except signing.SignatureExpired as exc:
        raise VerificationFailed("This link has expired: send a new one from Settings.") from exc
    except signing.BadSignature as exc:
        raise VerificationFailed("This link is not valid: copy it whole, or send a new one from Settings.") from exc
    users = get_user_model().objects.filter(pk=claim.get("user"), is_active=True)
    # Conditional on the address still being the one the link was sent to.
    if not claim.get("email") or users.filter(email=claim["email"]).update(verified_email=claim["email"]) != 1:
        raise VerificationFailed("This link is for an address your account no longer has.")
    return users.get()
