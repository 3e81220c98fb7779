from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Arbsite's user; its own model from the first migration so it can grow without pain."""


def generate_webhook_secret() -> str:
    """The key an alert webhook's receiver checks signatures with; shown to the rule's owner only."""
    return secrets.token_urlsafe(32)


class WatchedInstrument(models.Model):
    """An instrument a user chose to follow: shown first on their pages."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched_instruments")
    instrument = models.CharField(max_length=64, help_text="Canonical BASE/QUOTE:SETTLE")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "instrument"], name="unique_watched_instrument")]
        ordering = ["instrument"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.instrument}"


class AlertRule(models.Model):
    """When an opportunity is worth telling a user about, and how to tell them.

    Empty lists mean "any": every instrument, every buy exchange, every sell exchange.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=100)
    instruments = models.JSONField(default=list, blank=True, help_text="Canonical names; empty: all")
    buy_exchanges = models.JSONField(default=list, blank=True, help_text="Exchange ids; empty: all")
    sell_exchanges = models.JSONField(default=list, blank=True, help_text="Exchange ids; empty: all")
    min_net_spread_pct = models.DecimalField(max_digits=10, decimal_places=6)
    min_size_base = models.DecimalField(max_digits=32, decimal_places=12, null=True, blank=True)
    min_profit_quote = models.DecimalField(max_digits=32, decimal_places=12, null=True, blank=True)
    max_quote_age_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: the exchange's own")
    cooldown_s = models.PositiveIntegerField(default=300, help_text="At most one alert per pair this often")
    notify_in_app = models.BooleanField(default=True)
    notify_email = models.BooleanField(default=False)
    notify_telegram = models.BooleanField(default=False)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, default=generate_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["active"])]

    def __str__(self) -> str:
        return self.name


class AlertEvent(models.Model):
    """One delivery attempt of one alert on one channel: the user's alert history."""

    class Channel(models.TextChoices):
        IN_APP = "in_app"
        EMAIL = "email"
        TELEGRAM = "telegram"
        WEBHOOK = "webhook"

    class Outcome(models.TextChoices):
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_events")
    rule = models.ForeignKey(AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    opportunity_id = models.UUIDField(db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Opportunity opened to delivery")
    error = models.TextField(blank=True)
    # Delivery is exactly-once per key (rule, opportunity, channel, ...): a second worker's
    # insert of the same key fails instead of sending twice.
    idempotency_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="unique_alert_idempotency_key")]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome} for {self.opportunity_id}"
