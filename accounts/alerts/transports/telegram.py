"""Telegram: sendMessage through the Bot API to the chat the user linked."""

from __future__ import annotations

from django.conf import settings

from accounts.alerts import telegram_api
from accounts.alerts.messages import Alert
from accounts.alerts.transports.base import Attempt, DeliveryError, Transport
from accounts.models import AlertEvent, AlertRule, TelegramLink


class Telegram(Transport):
    channel = AlertEvent.Channel.TELEGRAM

    def wanted(self, rule: AlertRule) -> bool:
        return rule.notify_telegram

    def unavailable(self, rule: AlertRule) -> str | None:
        if not settings.TELEGRAM_BOT_TOKEN:
            return "Telegram is not set up on this server (no bot token)"
        if not TelegramLink.objects.filter(user_id=rule.user_id).exists():
            return "no Telegram chat linked: ask for a link code and send it to the bot"
        return None

    def send(self, rule: AlertRule, alert: Alert, attempt: Attempt) -> None:
        chat_id = TelegramLink.objects.filter(user_id=rule.user_id).values_list("chat_id", flat=True).first()
        if chat_id is None:
            raise DeliveryError("the Telegram chat was unlinked", retryable=False)
        try:
            telegram_api.call(
                "sendMessage", chat_id=chat_id, text=f"{alert.title}\n\n{alert.text}", disable_web_page_preview=True
            )
        except telegram_api.TelegramError as exc:
            raise DeliveryError(f"Telegram: {exc}") from exc
