"""The few Telegram Bot API calls Arbsite makes (getMe, getUpdates, sendMessage), at
settings.TELEGRAM_API_URL so tests can answer them with a local fake."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

TIMEOUT_S = 10.0


class TelegramError(Exception):
    """The Bot API could not be reached or said no; never carries the token."""


def call(method: str, **params: Any) -> Any:
    """POST one Bot API method with JSON parameters; its `result`, or TelegramError."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise TelegramError("no bot token is configured")
    request = urllib.request.Request(
        f"{settings.TELEGRAM_API_URL}/bot{token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as exc:  # Telegram answers errors as JSON too
        try:
            answer = json.load(exc)
        except ValueError:
            raise TelegramError(f"{method}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TelegramError(f"{method}: the Bot API could not be reached ({reason})") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        description = answer.get("description", "no description") if isinstance(answer, dict) else "not JSON"
        raise TelegramError(f"{method}: {description}")
    return answer.get("result")
