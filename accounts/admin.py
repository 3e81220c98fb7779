from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import F

from accounts.alerts import delivery
from accounts.models import AlertEvent, AlertRule, ExchangeFee, TelegramLink, TradingSettings, User
from accounts.serializers import AlertRuleInput
from accounts.services import update_alert_rule
from accounts.tasks import alert_queue


@admin.action(description="Mark their email addresses verified")
def mark_email_verified(modeladmin, request, queryset) -> None:
    queryset.exclude(email="").update(verified_email=F("email"))


class ReadOnlyInline(admin.TabularInline):
    """A user's own settings, shown: they change them in Settings (or the API), which also drops
    their cached copy; an edit here would not."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TradingSettingsInline(ReadOnlyInline):
    model = TradingSettings
    fields = readonly_fields = [
        "holding_h",
        "min_net_spread_pct",
        "alert_toasts",
        "alert_sound",
        "alert_browser_notifications",
        "updated_at",
    ]


class ExchangeFeeInline(ReadOnlyInline):
    model = ExchangeFee
    fields = readonly_fields = ["exchange", "taker_fee_pct", "maker_fee_pct", "updated_at"]
    verbose_name_plural = "own fees (empty: the exchange's)"


@admin.register(User)
class ArbsiteUserAdmin(UserAdmin):
    """Django's, plus whether the address was verified: alert emails go only to a verified one,
    and the user's own fees and defaults (read only)."""

    inlines = [TradingSettingsInline, ExchangeFeeInline]

    list_display = [*UserAdmin.list_display, "email_verified"]
    fieldsets = [
        *UserAdmin.fieldsets[:1],
        (UserAdmin.fieldsets[1][0], {"fields": [*UserAdmin.fieldsets[1][1]["fields"], "verified_email"]}),
        *UserAdmin.fieldsets[2:],
    ]
    actions = [mark_email_verified]

    @admin.display(boolean=True, description="email verified")
    def email_verified(self, user: User) -> bool:
        return user.email_verified


class AlertRuleForm(forms.ModelForm):
    """The API's validation (known instruments and exchanges, sane ranges, public webhook
    URLs), with the same messages."""

    webhook_url = forms.CharField(max_length=500, required=False, help_text="http(s), public addresses only")

    class Meta:
        model = AlertRule
        fields = [
            "user",
            "name",
            "instruments",
            "buy_exchanges",
            "sell_exchanges",
            "min_net_spread_pct",
            "min_size_base",
            "min_profit_quote",
            "max_quote_age_ms",
            "min_edge_pct",
            "min_depth_size_base",
            "min_depth_profit_quote",
            "cooldown_s",
            "notify_in_app",
            "notify_email",
            "notify_telegram",
            "webhook_url",
            "webhook_paused_at",
            "active",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        checked = {name: cleaned[name] for name in AlertRuleInput().fields if cleaned.get(name) is not None}
        checked.setdefault("name", cleaned.get("name") or "")
        serializer = AlertRuleInput(data=checked, partial=True, context={"user": cleaned.get("user")})
        if not serializer.is_valid():
            for name, errors in serializer.errors.items():
                self.add_error(name if name in self.fields else None, _messages(errors))
            return cleaned
        for name, value in serializer.validated_data.items():
            if name in self.fields:
                cleaned[name] = value
        return cleaned


def _messages(errors) -> list[str]:
    """DRF's errors (nested for list items) as flat messages."""
    if isinstance(errors, dict):
        return [message for nested in errors.values() for message in _messages(nested)]
    if isinstance(errors, list):
        return [message for nested in errors for message in _messages(nested)]
    return [str(errors)]


def _test_action(channel: str, label: str):
    def action(modeladmin, request, queryset) -> None:
        for rule in queryset:
            try:
                delivery.queue_test_alert(rule, channel, alert_queue)
            except delivery.AlertTestRefused as exc:
                modeladmin.message_user(request, f"{rule}: {exc}", messages.WARNING)
            else:
                modeladmin.message_user(request, f"{rule}: test alert queued ({label}); see Alert events")

    action.__name__ = f"send_test_{channel}"
    return admin.action(description=f"Send a test alert: {label}")(action)


@admin.action(description="Resume the paused webhook")
def resume_webhook(modeladmin, request, queryset) -> None:
    for rule in queryset.filter(webhook_paused_at__isnull=False):
        update_alert_rule(rule, webhook_paused=False)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = [
        "name",
        "user",
        "active",
        "min_net_spread_pct",
        "notify_in_app",
        "notify_email",
        "notify_telegram",
        "webhook_url",
        "webhook_paused_at",
    ]
    list_filter = ["active", "notify_email", "notify_telegram", "webhook_paused_at"]
    search_fields = ["name", "user__username", "webhook_url"]
    readonly_fields = ["webhook_secret", "webhook_failures", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    actions = [
        *(_test_action(channel, label) for channel, label in AlertEvent.Channel.choices),
        resume_webhook,
    ]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    """Every user's delivery attempts, read-only."""

    list_display = ["created_at", "user", "rule", "channel", "outcome", "attempt", "latency_ms", "test", "error"]
    list_filter = ["channel", "outcome", "test"]
    search_fields = ["user__username", "rule__name", "opportunity_id", "idempotency_key"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TelegramLink)
class TelegramLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "chat_id", "username", "linked_at"]
    search_fields = ["user__username", "username"]
    raw_id_fields = ["user"]
