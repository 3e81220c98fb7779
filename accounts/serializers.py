"""Input and output serializers of the accounts API: the user's watchlist, alert rules and
alert history, and the token endpoints' revocation-aware refresh."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import tokens
from accounts.email_verification import why_no_alert_email
from accounts.models import AlertEvent, AlertRule
from accounts.webhooks import WebhookURLError, validate_webhook_url
from feeds.serializers import fee_pct_field
from feeds.symbols import UnknownExchange, UnknownSymbol, canonical_form, resolve_exchange, resolve_symbol
from lib.paging import PageQuery, page_serializer


def canonical_instrument(value: str) -> str:
    """Any symbol form the instrument lists know, or a well-formed canonical name."""
    try:
        return resolve_symbol(value)
    except UnknownSymbol as exc:
        if canonical := canonical_form(value):
            return canonical
        raise serializers.ValidationError(str(exc)) from exc


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- watchlist ------------------------------------------------------------------------------
class WatchInput(serializers.Serializer):
    instrument = serializers.CharField(
        max_length=64, help_text="Canonical (BTC/USDT:USDT), URL-safe (BTC-USDT-USDT) or an exchange's own symbol"
    )

    def validate_instrument(self, value: str) -> str:
        return canonical_instrument(value)


class WatchedInstrumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = serializers.CharField()
    created_at = serializers.DateTimeField()


class WatchlistOutput(serializers.Serializer):
    instruments = WatchedInstrumentOutput(many=True)
    count = serializers.IntegerField()


# --- alert rules ----------------------------------------------------------------------------
def _optional_amount(help_text: str) -> serializers.DecimalField:
    """A rule's minimum size or profit: as the model stores it (AlertRule), never negative."""
    return serializers.DecimalField(
        max_digits=32,
        decimal_places=12,
        min_value=Decimal(0),
        max_value=Decimal(10**12),
        required=False,
        allow_null=True,
        help_text=help_text,
    )


class AlertRuleInput(serializers.Serializer):
    """Create with the required fields; PATCH any subset. The context's `user` owns the rule."""

    name = serializers.CharField(max_length=100)
    instruments = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=200,
        required=False,
        help_text="Instruments, any symbol form; stored canonical. Empty: all",
    )
    buy_exchanges = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=50, required=False, help_text="Empty: all"
    )
    sell_exchanges = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=50, required=False, help_text="Empty: all"
    )
    min_net_spread_pct = serializers.DecimalField(
        max_digits=10, decimal_places=6, min_value=Decimal(0), max_value=Decimal(100), help_text="Percent, after fees"
    )
    min_size_base = _optional_amount("Coins both tops of book hold")
    min_profit_quote = _optional_amount("Quote currency, at the top of book")
    max_quote_age_ms = serializers.IntegerField(min_value=1, max_value=3_600_000, required=False, allow_null=True)
    min_edge_pct = serializers.DecimalField(
        max_digits=12,
        decimal_places=8,
        min_value=Decimal(-100),
        max_value=Decimal(100),
        required=False,
        allow_null=True,
        help_text="Percent: net spread + funding over 8 h, as the opportunity's `funding.edge_pct` on /ws; "
        "an opportunity without both legs' funding does not meet it. Null: funding not considered",
    )
    min_depth_size_base = _optional_amount(
        "Coins: the size of greatest profit walking both legs' books at your fees, as the "
        "opportunity's `depth.size_base`; an opportunity whose books are not known yet is matched again "
        "when they arrive. Null: depth not considered"
    )
    min_depth_profit_quote = _optional_amount(
        "Quote currency: the net profit of that walk, as `depth.profit_quote`. Null: depth not considered"
    )
    cooldown_s = serializers.IntegerField(min_value=0, max_value=7 * 86400, required=False)
    notify_in_app = serializers.BooleanField(required=False)
    notify_email = serializers.BooleanField(required=False)
    notify_telegram = serializers.BooleanField(required=False)
    webhook_url = serializers.CharField(
        max_length=500,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="http(s), public address; null: none",
    )
    webhook_paused = serializers.BooleanField(
        required=False, help_text="false resumes a webhook paused after failing; true pauses it"
    )
    active = serializers.BooleanField(required=False)

    def validate_instruments(self, value: list[str]) -> list[str]:
        return _unique([canonical_instrument(item) for item in value])

    def _exchanges(self, value: list[str]) -> list[str]:
        try:
            return _unique([resolve_exchange(item) for item in value])
        except UnknownExchange as exc:
            raise serializers.ValidationError(str(exc)) from exc

    validate_buy_exchanges = _exchanges
    validate_sell_exchanges = _exchanges

    def validate_notify_email(self, value: bool) -> bool:
        user = self.context.get("user")
        if value and user is not None and (reason := why_no_alert_email(user)):
            raise serializers.ValidationError(reason)
        return value

    def validate_webhook_url(self, value: str | None) -> str:
        if not value:
            return ""
        try:
            return validate_webhook_url(value)
        except WebhookURLError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class AlertRuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    instruments = serializers.ListField(child=serializers.CharField())
    buy_exchanges = serializers.ListField(child=serializers.CharField())
    sell_exchanges = serializers.ListField(child=serializers.CharField())
    min_net_spread_pct = serializers.DecimalField(max_digits=10, decimal_places=6)
    min_size_base = serializers.DecimalField(max_digits=32, decimal_places=12, allow_null=True)
    min_profit_quote = serializers.DecimalField(max_digits=32, decimal_places=12, allow_null=True)
    max_quote_age_ms = serializers.IntegerField(allow_null=True)
    min_edge_pct = serializers.DecimalField(max_digits=12, decimal_places=8, allow_null=True)
    min_depth_size_base = serializers.DecimalField(max_digits=32, decimal_places=12, allow_null=True)
    min_depth_profit_quote = serializers.DecimalField(max_digits=32, decimal_places=12, allow_null=True)
    cooldown_s = serializers.IntegerField()
    notify_in_app = serializers.BooleanField()
    notify_email = serializers.BooleanField()
    notify_telegram = serializers.BooleanField()
    webhook_url = serializers.SerializerMethodField()
    webhook_secret = serializers.CharField(help_text="Signs webhook deliveries; shown to the rule's owner only")
    webhook_paused_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when the webhook kept failing (or was paused); null: it is called"
    )
    webhook_failures = serializers.IntegerField(help_text="Failed webhook deliveries in a row")
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_url(self, rule: AlertRule) -> str | None:
        return rule.webhook_url or None


AlertRulePage = page_serializer(AlertRuleOutput, "AlertRulePage")


# --- alert history --------------------------------------------------------------------------
class AlertEventQuery(PageQuery):
    rule = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="Of this rule only")
    channel = serializers.ChoiceField(choices=AlertEvent.Channel.choices, required=False)
    outcome = serializers.ChoiceField(choices=AlertEvent.Outcome.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="At or after (ISO 8601)")
    until = serializers.DateTimeField(required=False, help_text="Before (ISO 8601)")


class AlertEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.IntegerField(source="rule_id", allow_null=True, help_text="Null once the rule is deleted")
    rule_name = serializers.SerializerMethodField()
    opportunity_id = serializers.UUIDField()
    channel = serializers.ChoiceField(choices=AlertEvent.Channel.choices)
    outcome = serializers.ChoiceField(choices=AlertEvent.Outcome.choices)
    latency_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    attempt = serializers.IntegerField(help_text="Webhook attempts count 1, 2, ...; 0: a notice about the webhook")
    test = serializers.BooleanField(help_text="A test alert, about a made-up opportunity")
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rule_name(self, event: AlertEvent) -> str | None:
        return event.rule.name if event.rule else None


AlertEventPage = page_serializer(AlertEventOutput, "AlertEventPage")


# --- test alerts and Telegram ---------------------------------------------------------------
class AlertTestInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=AlertEvent.Channel.choices)


class AlertTestOutput(serializers.Serializer):
    test_id = serializers.CharField(help_text="The made-up opportunity's id, in the alert and its history row")
    channel = serializers.ChoiceField(choices=AlertEvent.Channel.choices)


class TelegramLinkCodeOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Send `/start <code>` to the bot; works once")
    expires_at = serializers.DateTimeField()
    bot_username = serializers.CharField(allow_null=True)
    link = serializers.CharField(allow_null=True, help_text="Opens the bot with the code filled in")


class TelegramLinkStatusOutput(serializers.Serializer):
    configured = serializers.BooleanField(help_text="This server has a Telegram bot")
    linked = serializers.BooleanField()
    username = serializers.CharField(allow_null=True, help_text="The Telegram account that linked the chat")
    linked_at = serializers.DateTimeField(allow_null=True)


# --- tokens ---------------------------------------------------------------------------------
class RevocationAwareRefreshSerializer(TokenRefreshSerializer):
    """SimpleJWT's refresh with rotation, also refusing a token whose user is gone, inactive, or
    has changed the password since (the access token it would mint could not be used anyway),
    and spending the token atomically: of concurrent refreshes with one token, one succeeds."""

    def validate(self, attrs: dict) -> dict:
        refresh = RefreshToken(attrs["refresh"])
        user = get_user_model().objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise AuthenticationFailed("No active account found for the given token.", "no_active_account")
        if refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", "password_changed")
        return tokens.rotate(refresh)


# --- trading settings -------------------------------------------------------------------------
MAX_HOLDING_H = 720  # as arbitrage.funding.MAX_HOLDING_H: the funding API's own bound


def _fee(help_text: str) -> serializers.DecimalField:
    return fee_pct_field(help_text, allow_null=True, required=False)


class OwnFeeInput(serializers.Serializer):
    taker_fee_pct = _fee("My taker fee on this exchange, percent of notional (0 to 1); null: the admin's")
    maker_fee_pct = _fee("My maker fee on this exchange, percent of notional (0 to 1); null: the admin's")


class NotificationsInput(serializers.Serializer):
    """How my pages signal my in-app alerts; a field left out stays as it is."""

    toasts = serializers.BooleanField(required=False, help_text="A toast in the page")
    sound = serializers.BooleanField(required=False, help_text="A beep")
    browser_notifications = serializers.BooleanField(
        required=False, help_text="A browser notification, where that browser allows it"
    )


class TradingSettingsInput(serializers.Serializer):
    holding_h = serializers.IntegerField(
        min_value=1,
        max_value=MAX_HOLDING_H,
        required=False,
        help_text="Hours a position is held: funding legs are counted over it when `hours` is not given",
    )
    min_net_spread_pct = serializers.DecimalField(
        max_digits=10,
        decimal_places=6,
        min_value=Decimal(-100),
        max_value=Decimal(100),
        allow_null=True,
        required=False,
        help_text="Opportunities under this net spread (at my fees) are not shown; null: all",
    )
    fees = serializers.DictField(
        child=OwnFeeInput(),
        required=False,
        help_text="exchange -> my fees there; replaces all my own fees: an exchange left out pays the admin's",
    )
    notifications = NotificationsInput(required=False)

    def validate_fees(self, value: dict) -> dict:
        from feeds.configuration import exchange_fees

        known = exchange_fees()
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise serializers.ValidationError(
                f"unknown exchange {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
            )
        return value


class OwnFeeOutput(serializers.Serializer):
    taker_fee_pct = serializers.DecimalField(
        max_digits=8, decimal_places=5, allow_null=True, help_text="Mine; null: the admin's"
    )
    maker_fee_pct = serializers.DecimalField(
        max_digits=8, decimal_places=5, allow_null=True, help_text="Mine; null: the admin's"
    )
    admin_taker_fee_pct = serializers.DecimalField(max_digits=8, decimal_places=5, help_text="The admin's default")
    admin_maker_fee_pct = serializers.DecimalField(max_digits=8, decimal_places=5, help_text="The admin's default")
    effective_taker_fee_pct = serializers.DecimalField(
        max_digits=8, decimal_places=5, help_text="What my net figures are computed with"
    )
    effective_maker_fee_pct = serializers.DecimalField(max_digits=8, decimal_places=5)


class NotificationsOutput(serializers.Serializer):
    toasts = serializers.BooleanField()
    sound = serializers.BooleanField()
    browser_notifications = serializers.BooleanField()


class TradingSettingsOutput(serializers.Serializer):
    holding_h = serializers.IntegerField()
    min_net_spread_pct = serializers.DecimalField(max_digits=10, decimal_places=6, allow_null=True)
    fees = serializers.DictField(child=OwnFeeOutput(), help_text="exchange -> my fees and the admin's")
    notifications = NotificationsOutput(help_text="How my pages signal my in-app alerts (Settings → Notifications)")
