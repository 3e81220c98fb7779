"""How the pages signal a user's in-app alerts: a toast, a beep, a browser notification.

Kept per user (on TradingSettings) so that they follow the user to every page and browser,
rendered into each page (base.html, `notification-prefs`) for static/js/signals.js to read.
Read through the cache like the trading settings: every logged-in page asks for them.
A browser notification also needs that browser's permission, which only the browser keeps:
the Settings page asks for it when the user turns them on there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from django.core.cache import cache
from django.db import transaction

from accounts.models import TradingSettings

CACHE_TTL_S = 24 * 3600  # dropped on every save


@dataclass(frozen=True)
class NotificationPreferences:
    toasts: bool = True
    sound: bool = False
    browser_notifications: bool = False

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def cache_key(user_id: int) -> str:
    return f"notify-prefs:{user_id}"


def notification_preferences(user) -> NotificationPreferences:
    """The user's preferences (the defaults for one who set none, or anonymous), cached."""
    if not getattr(user, "is_authenticated", False):
        return NotificationPreferences()
    key = cache_key(user.pk)
    found = cache.get(key)
    if found is None:
        row = TradingSettings.objects.filter(user_id=user.pk).first()
        found = (
            NotificationPreferences(row.alert_toasts, row.alert_sound, row.alert_browser_notifications)
            if row
            else NotificationPreferences()
        )
        cache.set(key, found, CACHE_TTL_S)
    return found


def save_notification_preferences(user, preferences: NotificationPreferences) -> NotificationPreferences:
    with transaction.atomic():
        TradingSettings.objects.update_or_create(
            user=user,
            defaults={
                "alert_toasts": preferences.toasts,
                "alert_sound": preferences.sound,
                "alert_browser_notifications": preferences.browser_notifications,
            },
        )
        key = cache_key(user.pk)
        # Now, and once more after the commit: a read in between may have cached the old row.
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))
    return notification_preferences(user)


def update_notification_preferences(user, **changes: bool) -> NotificationPreferences:
    """Change some of the user's preferences (toasts, sound, browser_notifications); the others stay."""
    with transaction.atomic():
        current = TradingSettings.objects.select_for_update().filter(user=user).first()
        base = (
            NotificationPreferences(current.alert_toasts, current.alert_sound, current.alert_browser_notifications)
            if current
            else NotificationPreferences()
        )
        return save_notification_preferences(user, replace(base, **changes))
