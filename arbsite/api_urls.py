"""Every API URL, under /api/. Paths of the seed product have no trailing slash; the token
endpoints and the docs keep the conventional one."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api
from accounts.urls import browsable_api_urlpatterns
from arbitrage import api as arbitrage_api
from arbsite.asyncapi import AsyncApiView
from feeds import api as feeds_api
from paper import api as paper_api


def no_such_endpoint(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"detail": "No API endpoint at this path; see /api/docs/."}, status=404)


urlpatterns = [
    path("", arbitrage_api.ApiRoot.as_view(), name="api-root"),
    # JWT
    path("token/", accounts_api.TokenObtainView.as_view(), name="token_obtain_pair"),
    path("token/refresh/", accounts_api.TokenRefreshView.as_view(), name="token_refresh"),
    path("token/blacklist/", accounts_api.TokenBlacklistView.as_view(), name="token_blacklist"),
    # Market data (the seed's paths). A symbol may hold "/" (canonical, percent-encoded).
    path("prices", arbitrage_api.PricesView.as_view(), name="api-prices"),
    path("prices/<path:symbol>", arbitrage_api.SymbolPricesView.as_view(), name="api-symbol-prices"),
    path("best-prices/<path:symbol>", arbitrage_api.BestPricesView.as_view(), name="api-best-prices"),
    path("summary", arbitrage_api.SummaryView.as_view(), name="api-summary"),
    path("arbitrage", arbitrage_api.ArbitrageView.as_view(), name="api-arbitrage"),
    path("arbitrage/<path:symbol>", arbitrage_api.SymbolArbitrageView.as_view(), name="api-symbol-arbitrage"),
    path(
        "spread/<path:symbol>/<str:exchange1>/<str:exchange2>",
        arbitrage_api.SpreadView.as_view(),
        name="api-spread",
    ),
    path("opportunities", arbitrage_api.OpportunityHistoryView.as_view(), name="api-opportunities"),
    path("funding", arbitrage_api.FundingView.as_view(), name="api-funding"),
    # The user's own resources
    path("paper/wallets", paper_api.WalletsView.as_view(), name="api-paper-wallets"),
    path("paper/executions", paper_api.ExecutionsView.as_view(), name="api-paper-executions"),
    path("paper/ticket", paper_api.TicketView.as_view(), name="api-paper-ticket"),
    path("paper/positions", paper_api.PositionsView.as_view(), name="api-paper-positions"),
    path("paper/limits", paper_api.LimitsView.as_view(), name="api-paper-limits"),
    path("paper/equity", paper_api.EquityView.as_view(), name="api-paper-equity"),
    path("settings", accounts_api.TradingSettingsView.as_view(), name="api-settings"),
    path("watchlist", accounts_api.WatchlistView.as_view(), name="api-watchlist"),
    path("watchlist/<str:watched_id>", accounts_api.WatchedInstrumentView.as_view(), name="api-watched"),
    path("alerts/rules", accounts_api.AlertRulesView.as_view(), name="api-alert-rules"),
    path("alerts/rules/<str:rule_id>", accounts_api.AlertRuleView.as_view(), name="api-alert-rule"),
    path(
        "alerts/rules/<str:rule_id>/rotate-secret",
        accounts_api.AlertRuleSecretView.as_view(),
        name="api-alert-rule-secret",
    ),
    path("alerts/rules/<str:rule_id>/test", accounts_api.AlertRuleTestView.as_view(), name="api-alert-rule-test"),
    path("alerts/telegram/link", accounts_api.TelegramLinkView.as_view(), name="api-telegram-link"),
    path("alerts/events", accounts_api.AlertEventsView.as_view(), name="api-alert-events"),
    path("alerts/events/<str:event_id>", accounts_api.AlertEventView.as_view(), name="api-alert-event"),
    # Admin only
    path("admin/exchanges", feeds_api.ExchangesView.as_view(), name="api-admin-exchanges"),
    path("admin/exchanges/<str:exchange_id>", feeds_api.ExchangeView.as_view(), name="api-admin-exchange"),
    path("admin/instruments", feeds_api.InstrumentsView.as_view(), name="api-admin-instruments"),
    path("admin/instruments/<str:instrument_id>", feeds_api.InstrumentView.as_view(), name="api-admin-instrument"),
    # Documentation, served offline (drf-spectacular-sidecar)
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("asyncapi.json", AsyncApiView.as_view(), name="asyncapi"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The browsable API's log in / log out
    path("auth/", include((browsable_api_urlpatterns, "rest_framework"))),
    # Anything else under /api/ (also a path no converter matches, one with a newline say)
    # is a JSON 404 like every other API answer, not Django's HTML page.
    re_path(r"^[\s\S]*$", no_such_endpoint),
]
