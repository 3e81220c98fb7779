"""Linking a user's Telegram chat: the user asks Arbsite for a one-time code and sends
`/start <code>` to the bot (the link https://t.me/<bot>?start=<code> does it in one tap); the
bot's updates, fetched with getUpdates, link that chat to the user.

Polling runs from celery beat (accounts.tasks.poll_telegram_updates) and, so that linking works
without beat too (the single-process mode), whenever a user checks their link's status.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.alerts import telegram_api
from accounts.models import TelegramLink, TelegramLinkCode

logger = logging.getLogger(__name__)

OFFSET_KEY = "telegram:update-offset"
POLL_LOCK_KEY = "telegram:poll-lock"
BOT_USERNAME_KEY = "telegram:bot-username"
POLL_LOCK_S = 60


class TelegramNotConfigured(Exception):
    """This server has no bot token: Telegram alerts cannot be linked or sent."""


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime
    bot_username: str | None
    link: str | None  # opens the bot with /start <code> filled in


def bot_username() -> str | None:
    """The bot's @name: from settings, else asked of the Bot API once a day."""
    if settings.TELEGRAM_BOT_USERNAME:
        return settings.TELEGRAM_BOT_USERNAME.lstrip("@")
    if not settings.TELEGRAM_BOT_TOKEN:
        return None
    if name := cache.get(BOT_USERNAME_KEY):
        return name
    try:
        name = (telegram_api.call("getMe") or {}).get("username")
    except telegram_api.TelegramError as exc:
        logger.warning("bot name unknown: %s", exc)
        return None
    if name:
        cache.set(BOT_USERNAME_KEY, name, timeout=86400)
    return name


def create_link_code(user) -> LinkCode:
    """A new one-time code for `user` (any earlier one stops working)."""
    if not settings.TELEGRAM_BOT_TOKEN:
        raise TelegramNotConfigured("Telegram alerts are not set up on this server (no bot token)")
    with transaction.atomic():
        TelegramLinkCode.objects.filter(user=user).delete()
        row = TelegramLinkCode.objects.create(
            user=user,
            code=secrets.token_urlsafe(12),  # [A-Za-z0-9_-], as Telegram's /start parameter allows
            expires_at=timezone.now() + timedelta(seconds=settings.TELEGRAM_LINK_CODE_TTL_S),
        )
    name = bot_username()
    return LinkCode(row.code, row.expires_at, name, f"https://t.me/{name}?start={row.code}" if name else None)


def linked_chat(user) -> TelegramLink | None:
    return TelegramLink.objects.filter(user=user).first()


def unlink(user) -> bool:
    """Stop Telegram alerts to the user's chat; whether one was linked."""
    deleted, _ = TelegramLink.objects.filter(user=user).delete()
    return deleted > 0


def consume_code(code: str) -> int | None:
    """The user id a valid code belongs to, once: the delete that removes the code is the one
    that links, so the same update handled twice links once."""
    found = TelegramLinkCode.objects.filter(code=code, expires_at__gt=timezone.now()).values_list("pk", "user_id")
    row = found.first()
    if row is None:
        return None
    deleted, _ = TelegramLinkCode.objects.filter(pk=row[0]).delete()
    return row[1] if deleted else None


def handle_update(update: dict) -> str | None:
    """Act on one Bot API update: `/start <code>` links the chat. What happened, or None."""
    message = update.get("message") or {}
    text, chat = str(message.get("text") or "").strip(), message.get("chat") or {}
    if not text.startswith("/start") or "id" not in chat:
        return None
    parts = text.split(maxsplit=1)
    user_id = consume_code(parts[1].strip()) if len(parts) == 2 else None
    if user_id is None:
        _reply(chat["id"], "That link code is unknown or expired. Ask Arbsite for a new one (Alerts → Telegram).")
        return "refused"
    sender = str((message.get("from") or {}).get("username") or "")[:64]
    TelegramLink.objects.update_or_create(user_id=user_id, defaults={"chat_id": chat["id"], "username": sender})
    _reply(chat["id"], "Linked: your Arbsite alerts will come to this chat.")
    return "linked"


def _reply(chat_id: int, text: str) -> None:
    try:
        telegram_api.call("sendMessage", chat_id=chat_id, text=text)
    except telegram_api.TelegramError as exc:
        logger.warning("reply to Telegram chat not sent: %s", exc)


def poll_updates() -> int:
    """Fetch the bot's new updates and handle them; how many. One poller at a time (a cache
    lock), and each update's offset is confirmed as it is handled."""
    if not settings.TELEGRAM_BOT_TOKEN:
        return 0
    if not cache.add(POLL_LOCK_KEY, True, timeout=POLL_LOCK_S):
        return 0
    try:
        params = {"timeout": 0, "allowed_updates": ["message"]}
        if offset := cache.get(OFFSET_KEY):
            params["offset"] = offset
        try:
            updates = telegram_api.call("getUpdates", **params) or []
        except telegram_api.TelegramError as exc:
            logger.warning("Telegram updates not fetched: %s", exc)
            return 0
        for update in updates:
            handle_update(update)
            cache.set(OFFSET_KEY, int(update["update_id"]) + 1, timeout=None)
        return len(updates)
    finally:
        cache.delete(POLL_LOCK_KEY)
