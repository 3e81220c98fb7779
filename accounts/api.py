"""The accounts API: JWT endpoints (throttled), and each user's own watchlist, alert rules,
alert history and trading settings (own fees). Every lookup goes through
accounts.services.visible_*: another user's row is a 404; settings are always the caller's own."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from accounts import serializers as s
from accounts import services, throttles, trading
from accounts.alerts import delivery, telegram_link
from accounts.notification_preferences import notification_preferences, update_notification_preferences
from accounts.tasks import alert_queue
from accounts.throttles import LoginThrottle
from lib.openapi import ERROR_SCHEMA
from lib.paging import page

RULE_EXAMPLE = OpenApiExample(
    "BTC and ETH, bought on Binance or OKX",
    value={
        "name": "majors",
        "instruments": ["BTC/USDT:USDT", "ETH-USDT-USDT"],
        "buy_exchanges": ["binance", "okx"],
        "sell_exchanges": [],
        "min_net_spread_pct": "0.15",
        "min_size_base": "0.01",
        "cooldown_s": 300,
        "notify_in_app": True,
        "webhook_url": "https://hooks.example.com/arbsite",
    },
    request_only=True,
)
_REFUSED = OpenApiResponse(ERROR_SCHEMA, description="Wrong credentials, or an invalid, expired or revoked token")


def _valid(serializer_class: type, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _path_id(value: str) -> int:
    """An id from the path; anything else names nothing (404), like a missing row."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def _id_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH)


# --- tokens ----------------------------------------------------------------------------------
@extend_schema(tags=["auth"], responses={200: jwt_views.TokenObtainPairView.serializer_class, 401: _REFUSED})
class TokenObtainView(jwt_views.TokenObtainPairView):
    """Username and password for an access token (short-lived) and a refresh token."""

    throttle_classes = [LoginThrottle]


@extend_schema(tags=["auth"], responses={401: _REFUSED})
class TokenRefreshView(jwt_views.TokenRefreshView):
    """A refresh token for a new access token and a new refresh token; the old one is blacklisted."""

    serializer_class = s.RevocationAwareRefreshSerializer


@extend_schema(tags=["auth"], responses={401: _REFUSED})
class TokenBlacklistView(jwt_views.TokenBlacklistView):
    """Log out: the refresh token can no longer be used. Access tokens expire on their own."""


# --- watchlist -------------------------------------------------------------------------------
class WatchlistView(APIView):
    @extend_schema(operation_id="watchlist_list", responses=s.WatchlistOutput, tags=["me"])
    def get(self, request: Request) -> Response:
        """The instruments I follow."""
        rows = services.visible_watched_instruments(request.user)
        return Response(s.WatchlistOutput({"instruments": rows, "count": rows.count()}).data)

    @extend_schema(
        request=s.WatchInput,
        responses={201: s.WatchedInstrumentOutput, 200: s.WatchedInstrumentOutput},
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        """Follow an instrument (201); following it again changes nothing (200)."""
        instrument = _valid(s.WatchInput, request.data)["instrument"]
        try:
            row, created = services.watch_instrument(request.user, instrument)
        except services.LimitReached as exc:
            raise ValidationError({"instrument": str(exc)}) from exc
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.WatchedInstrumentOutput(row).data, status=code)


@extend_schema(parameters=[_id_parameter("watched_id")])
class WatchedInstrumentView(APIView):
    def _row(self, request: Request, watched_id: str):
        return get_object_or_404(services.visible_watched_instruments(request.user), pk=_path_id(watched_id))

    @extend_schema(responses=s.WatchedInstrumentOutput, tags=["me"])
    def get(self, request: Request, watched_id: str) -> Response:
        return Response(s.WatchedInstrumentOutput(self._row(request, watched_id)).data)

    @extend_schema(responses={204: None}, tags=["me"])
    def delete(self, request: Request, watched_id: str) -> Response:
        """Stop following an instrument."""
        services.unwatch_instrument(self._row(request, watched_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- alert rules -----------------------------------------------------------------------------
class AlertRulesView(APIView):
    @extend_schema(operation_id="alerts_rules_list", parameters=[s.PageQuery], responses=s.AlertRulePage, tags=["me"])
    def get(self, request: Request) -> Response:
        """My alert rules, oldest first."""
        params = _valid(s.PageQuery, request.query_params)
        rows = services.visible_alert_rules(request.user)
        return Response(s.AlertRulePage(page(request, rows, params["limit"], params["offset"])).data)

    @extend_schema(
        request=s.AlertRuleInput,
        responses={201: s.AlertRuleOutput},
        examples=[RULE_EXAMPLE],
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        """A new alert rule; its webhook secret is generated and shown in the answer."""
        fields = _valid(s.AlertRuleInput, request.data, context={"user": request.user})
        try:
            rule = services.create_alert_rule(request.user, **fields)
        except services.LimitReached as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(s.AlertRuleOutput(rule).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[_id_parameter("rule_id")])
class AlertRuleView(APIView):
    def _rule(self, request: Request, rule_id: str):
        return get_object_or_404(services.visible_alert_rules(request.user), pk=_path_id(rule_id))

    @extend_schema(responses=s.AlertRuleOutput, tags=["me"])
    def get(self, request: Request, rule_id: str) -> Response:
        return Response(s.AlertRuleOutput(self._rule(request, rule_id)).data)

    @extend_schema(
        request=s.AlertRuleInput(partial=True),
        responses=s.AlertRuleOutput,
        examples=[OpenApiExample("pause", value={"active": False}, request_only=True)],
        tags=["me"],
    )
    def patch(self, request: Request, rule_id: str) -> Response:
        """Change some of a rule's fields."""
        rule = self._rule(request, rule_id)
        fields = _valid(s.AlertRuleInput, request.data, partial=True, context={"user": request.user})
        return Response(s.AlertRuleOutput(services.update_alert_rule(rule, **fields)).data)

    @extend_schema(responses={204: None}, tags=["me"])
    def delete(self, request: Request, rule_id: str) -> Response:
        """Delete a rule; its alert history stays, detached from it."""
        services.delete_alert_rule(self._rule(request, rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[_id_parameter("rule_id")])
class AlertRuleSecretView(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer("WebhookSecret", {"webhook_secret": serializers.CharField()}),
        tags=["me"],
    )
    def post(self, request: Request, rule_id: str) -> Response:
        """A new webhook secret for a rule; the old one stops working at once."""
        rule = get_object_or_404(services.visible_alert_rules(request.user), pk=_path_id(rule_id))
        return Response({"webhook_secret": services.rotate_webhook_secret(rule).webhook_secret})


@extend_schema(parameters=[_id_parameter("rule_id")])
class AlertRuleTestView(APIView):
    @extend_schema(
        request=s.AlertTestInput,
        responses={202: s.AlertTestOutput, 429: OpenApiResponse(ERROR_SCHEMA, description="Too many tests")},
        examples=[OpenApiExample("webhook", value={"channel": "webhook"}, request_only=True)],
        tags=["me"],
    )
    def post(self, request: Request, rule_id: str) -> Response:
        """Send a test alert, about a made-up opportunity and clearly marked, on one channel of a
        rule now (queued; the result shows in the alert history). 400 says why a channel cannot;
        429 when the user asked for more tests than ARBSITE_ALERT_TEST_RATE allows."""
        rule = get_object_or_404(services.visible_alert_rules(request.user), pk=_path_id(rule_id))
        if refused := throttles.take(request, throttles.ALERT_TEST, throttles.user_key(request.user)):
            raise Throttled(wait=refused.retry_after_s)
        channel = _valid(s.AlertTestInput, request.data)["channel"]
        try:
            test_id = delivery.queue_test_alert(rule, channel, alert_queue)
        except delivery.AlertTestRefused as exc:
            raise ValidationError({"channel": [str(exc)]}) from exc
        return Response(s.AlertTestOutput({"test_id": test_id, "channel": channel}).data, status=202)


# --- Telegram --------------------------------------------------------------------------------
class TelegramLinkView(APIView):
    @extend_schema(operation_id="alerts_telegram_link_status", responses=s.TelegramLinkStatusOutput, tags=["me"])
    def get(self, request: Request) -> Response:
        """Whether my Telegram chat is linked (the bot's new messages are read first)."""
        link = telegram_link.linked_chat(request.user)
        if link is None:
            telegram_link.poll_updates()  # so linking works without celery beat too
            link = telegram_link.linked_chat(request.user)
        status_ = {
            "configured": bool(settings.TELEGRAM_BOT_TOKEN),
            "linked": link is not None,
            "username": (link.username or None) if link else None,
            "linked_at": link.linked_at if link else None,
        }
        return Response(s.TelegramLinkStatusOutput(status_).data)

    @extend_schema(
        request=None,
        responses={201: s.TelegramLinkCodeOutput, 409: OpenApiResponse(ERROR_SCHEMA, description="No Telegram bot")},
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        """A one-time code to link my Telegram chat: send `/start <code>` to the bot (or open `link`)."""
        try:
            code = telegram_link.create_link_code(request.user)
        except telegram_link.TelegramNotConfigured as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(s.TelegramLinkCodeOutput(code).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, tags=["me"])
    def delete(self, request: Request) -> Response:
        """Stop Telegram alerts to my chat (unlink it)."""
        telegram_link.unlink(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- alert history ---------------------------------------------------------------------------
class AlertEventsView(APIView):
    @extend_schema(
        operation_id="alerts_events_list", parameters=[s.AlertEventQuery], responses=s.AlertEventPage, tags=["me"]
    )
    def get(self, request: Request) -> Response:
        """My alerts' delivery attempts, newest first."""
        params = _valid(s.AlertEventQuery, request.query_params)
        rows = services.visible_alert_events(request.user)
        for name, lookup in (
            ("rule", "rule_id"),
            ("channel", "channel"),
            ("outcome", "outcome"),
            ("since", "created_at__gte"),
            ("until", "created_at__lt"),
        ):
            if params.get(name) is not None:
                rows = rows.filter(**{lookup: params[name]})
        return Response(s.AlertEventPage(page(request, rows, params["limit"], params["offset"])).data)


@extend_schema(parameters=[_id_parameter("event_id")])
class AlertEventView(APIView):
    @extend_schema(responses=s.AlertEventOutput, tags=["me"])
    def get(self, request: Request, event_id: str) -> Response:
        event = get_object_or_404(services.visible_alert_events(request.user), pk=_path_id(event_id))
        return Response(s.AlertEventOutput(event).data)


# --- trading settings ------------------------------------------------------------------------
def _trading_output(user) -> dict:
    own = trading.trading_settings(user)
    fees = {row.pop("exchange"): row for row in trading.fee_table(user)}
    data = {
        "holding_h": own.holding_h,
        "min_net_spread_pct": own.min_net_spread_pct,
        "fees": fees,
        "notifications": notification_preferences(user).as_dict(),
    }
    return s.TradingSettingsOutput(data).data


class TradingSettingsView(APIView):
    @extend_schema(operation_id="settings_retrieve", responses=s.TradingSettingsOutput, tags=["me"])
    def get(self, request: Request) -> Response:
        """My fees per exchange (beside the admin's), holding period, minimum net spread and
        notification preferences."""
        return Response(_trading_output(request.user))

    @extend_schema(
        operation_id="settings_update",
        request=s.TradingSettingsInput,
        responses=s.TradingSettingsOutput,
        examples=[
            OpenApiExample(
                "a VIP tier on Binance, 24 h holds",
                value={"holding_h": 24, "fees": {"binance": {"taker_fee_pct": "0.036", "maker_fee_pct": "0.016"}}},
                request_only=True,
            )
        ],
        tags=["me"],
    )
    def put(self, request: Request) -> Response:
        """Change my settings: a field left out stays as it is; `fees`, when given, is the whole
        set of my own fees (an exchange left out pays the admin's again). My net figures change
        everywhere at once: /api/arbitrage, the pages, my alert rules."""
        fields = _valid(s.TradingSettingsInput, request.data)
        notifications = fields.pop("notifications", None)
        with transaction.atomic():  # one change: all of it or none
            trading.save_trading_settings(request.user, **fields)
            if notifications is not None:
                update_notification_preferences(request.user, **notifications)
        return Response(_trading_output(request.user))
