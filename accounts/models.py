from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Arbsite's user; its own model from the first migration so it can grow without pain."""

    # The address the user proved is theirs by opening a signed link sent to it. Kept as the
    # address, not a flag, so that changing `email` unverifies it with no code to remember.
    verified_email = models.EmailField(blank=True, help_text="The address proven by a verification link")

    @property
    def email_verified(self) -> bool:
        """Alert emails go only to a verified address."""
        return bool(self.email) and self.email == self.verified_email


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
    min_edge_pct = models.DecimalField(
        max_digits=12,
        decimal_places=8,
        null=True,
        blank=True,
        help_text="Net spread + funding over 8 h (README, Funding); empty: funding not considered",
    )
    # Walking both legs' books at the owner's fees (README, Depth): an opportunity whose books
    # are not known yet is matched again when they arrive.
    min_depth_size_base = models.DecimalField(
        max_digits=32, decimal_places=12, null=True, blank=True, help_text="Depth walk's size, coins; empty: any"
    )
    min_depth_profit_quote = models.DecimalField(
        max_digits=32,
        decimal_places=12,
        null=True,
        blank=True,
        help_text="Depth walk's net profit, quote currency; empty: any",
    )
    cooldown_s = models.PositiveIntegerField(default=300, help_text="At most one alert per pair this often")
    notify_in_app = models.BooleanField(default=True)
    notify_email = models.BooleanField(default=False)
    notify_telegram = models.BooleanField(default=False)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, default=generate_webhook_secret, editable=False)
    # A webhook that keeps failing is paused (the user is told) until its owner resumes it.
    webhook_failures = models.PositiveIntegerField(default=0, help_text="Failed deliveries in a row")
    webhook_paused_at = models.DateTimeField(null=True, blank=True)
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
        PENDING = "pending"  # claimed, being sent
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"
        UNKNOWN = "unknown"  # the worker stopped mid-send: it may have arrived; not sent again

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_events")
    rule = models.ForeignKey(AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    opportunity_id = models.UUIDField(db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Opportunity opened to delivery")
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=1, help_text="Webhooks are retried: 1, 2, ...")
    test = models.BooleanField(default=False, help_text="A test alert the user asked for")
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


class AlertCooldown(models.Model):
    """When a rule last alerted about a pair (buy exchange and instrument, sell exchange and
    instrument), across the pair's opportunities: claimed with a conditional update."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="cooldowns")
    pair_key = models.CharField(max_length=200)
    last_sent_at = models.DateTimeField()
    opportunity_id = models.UUIDField(help_text="The opportunity that holds the cooldown")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "pair_key"], name="unique_alert_cooldown")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.pair_key}"


class TelegramLink(models.Model):
    """The Telegram chat a user's alerts go to, linked with a one-time code sent to the bot."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link")
    chat_id = models.BigIntegerField()
    username = models.CharField(max_length=64, blank=True, help_text="The Telegram account that linked it")
    linked_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.chat_id}"


class TelegramLinkCode(models.Model):
    """A one-time code a user sends to the bot (`/start <code>`) to link their chat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_codes")
    code = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: code until {self.expires_at:%H:%M}"


class TradingSettings(models.Model):
    """A user's defaults for what they read: the holding period funding legs are counted over
    when none is asked for, and the net spread under which opportunities are not shown; and how
    the pages signal their in-app alerts (accounts.notification_preferences)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trading_settings")
    holding_h = models.PositiveSmallIntegerField(default=8, help_text="Hours a position is held, for funding")
    min_net_spread_pct = models.DecimalField(
        max_digits=10, decimal_places=6, null=True, blank=True, help_text="Empty: show every opportunity"
    )
    alert_toasts = models.BooleanField(default=True, help_text="In-app alerts show a toast on every page")
    alert_sound = models.BooleanField(default=False, help_text="In-app alerts beep, once per market event")
    alert_browser_notifications = models.BooleanField(
        default=False, help_text="In-app alerts raise a browser notification where the browser allows it"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "trading settings"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.holding_h} h"


class ExchangeFee(models.Model):
    """A user's own fees on one exchange (their tier), used for their net figures everywhere;
    a fee left empty is the exchange's admin default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_fees")
    exchange = models.CharField(max_length=20)
    taker_fee_pct = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    maker_fee_pct = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "exchange"], name="unique_user_exchange_fee")]
        ordering = ["exchange"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.exchange}"
