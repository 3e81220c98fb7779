"""The first administrator, for a fresh install: no fixed default password, ever."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model

FIRST_ADMIN_USERNAME = "admin"


def create_first_admin() -> tuple[str, str] | None:
    """Create an admin with a generated password when no superuser exists yet.

    Returns (username, password) to be shown once, or None when there already is one.
    """
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(FIRST_ADMIN_USERNAME, email="", password=password)
    return FIRST_ADMIN_USERNAME, password
