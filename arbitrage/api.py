"""The market API: the seed's paths and shapes, extended. Thin views over arbitrage.queries;
the data comes from the cache and the database, never from the engine's memory."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.trading import trading_settings
from arbitrage import queries
from arbitrage import serializers as s
from arbitrage.fee_tables import UserTrading
from arbitrage.funding import FundingFilter
from feeds.symbols import FORMS_HELP, UnknownExchange, UnknownSymbol, resolve_exchange, resolve_symbol
from lib.paging import page

SYMBOL_PARAMETER = OpenApiParameter(
    "symbol",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=f"The instrument: {FORMS_HELP}",
    examples=[
        OpenApiExample("URL-safe canonical", value="BTC-USDT-USDT"),
        OpenApiExample("exchange's own", value="BTCUSDT"),
    ],
)


def _exchange_parameter(name: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description="An exchange id (binance, bybit, okx, ...)",
        examples=[OpenApiExample(example, value=example)],
    )


def query(serializer_class: type, request: Request) -> dict:
    """Validated query parameters; a 400 naming the field and why otherwise."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def symbol_or_404(text: str) -> str:
    try:
        return resolve_symbol(text, queries.known_instruments())
    except UnknownSymbol as exc:
        raise NotFound(str(exc)) from exc


def exchange_or_404(text: str) -> str:
    try:
        return resolve_exchange(text)
    except UnknownExchange as exc:
        raise NotFound(str(exc)) from exc


def _now():
    return timezone.now()


ROOT_ENDPOINTS = {
    "health": "/health",
    "prices": "/api/prices",
    "symbol_prices": "/api/prices/{symbol}",
    "best_prices": "/api/best-prices/{symbol}",
    "summary": "/api/summary",
    "arbitrage": "/api/arbitrage",
    "symbol_arbitrage": "/api/arbitrage/{symbol}",
    "spread": "/api/spread/{symbol}/{exchange1}/{exchange2}",
    "opportunity_history": "/api/opportunities",
    "funding": "/api/funding",
    "websocket_messages": "/api/asyncapi.json",
    "token": "/api/token/",
    "token_refresh": "/api/token/refresh/",
    "token_blacklist": "/api/token/blacklist/",
    "settings": "/api/settings",
    "watchlist": "/api/watchlist",
    "alert_rules": "/api/alerts/rules",
    "alert_events": "/api/alerts/events",
    "admin_exchanges": "/api/admin/exchanges",
    "admin_instruments": "/api/admin/instruments",
}


class ApiRoot(APIView):
    @extend_schema(operation_id="api_root", responses=s.ApiRootSerializer, tags=["market"])
    def get(self, request: Request) -> Response:
        """What the API offers (the seed's `GET /`, also served at `/` to API clients)."""
        data = {
            "message": "Arbsite API: perpetual-futures quotes and cross-exchange opportunities",
            "version": "1.0.0",
            "endpoints": ROOT_ENDPOINTS,
            "websocket": "/ws",
            "docs": "/api/docs/",
            "schema": "/api/schema/",
            "timestamp": _now(),
        }
        return Response(s.ApiRootSerializer(data).data)


class PricesView(APIView):
    @extend_schema(
        operation_id="prices_list", parameters=[s.PricesQuery], responses=s.PricesSerializer, tags=["market"]
    )
    def get(self, request: Request) -> Response:
        """Every exchange's latest quote of every instrument, by canonical instrument."""
        params = query(s.PricesQuery, request)
        prices = queries.prices(exchanges=params.get("exchange"))
        count = len(prices)
        if limit := params.get("limit"):
            prices = dict(list(prices.items())[:limit])
        return Response(s.PricesSerializer({"prices": prices, "count": count, "timestamp": _now()}).data)


class SymbolPricesView(APIView):
    @extend_schema(
        parameters=[SYMBOL_PARAMETER, s.SymbolPricesQuery], responses=s.SymbolPricesSerializer, tags=["market"]
    )
    def get(self, request: Request, symbol: str) -> Response:
        """Each exchange's latest quote of one instrument."""
        instrument = symbol_or_404(symbol)
        params = query(s.SymbolPricesQuery, request)
        row = queries.prices([instrument], params.get("exchange")).get(instrument, {})
        return Response(s.SymbolPricesSerializer({"symbol": instrument, "prices": row, "timestamp": _now()}).data)


class BestPricesView(APIView):
    @extend_schema(parameters=[SYMBOL_PARAMETER], responses=s.BestPricesSerializer, tags=["market"])
    def get(self, request: Request, symbol: str) -> Response:
        """The best bid and the best ask across exchanges."""
        data = queries.best_prices(symbol_or_404(symbol))
        return Response(s.BestPricesSerializer({**data, "timestamp": _now()}).data)


class SummaryView(APIView):
    @extend_schema(parameters=[s.SummaryQuery], responses=s.SummarySerializer, tags=["market"])
    def get(self, request: Request) -> Response:
        """Market statistics now, and opportunities per market and exchange pair since a time."""
        params = query(s.SummaryQuery, request)
        since = params.get("since") or _now() - timedelta(days=1)
        data = queries.market_summary(since, params["limit"], trading_settings(request.user).taker_fees_pct)
        return Response(s.SummarySerializer({**data, "timestamp": _now()}).data)


class ArbitrageView(APIView):
    @extend_schema(
        operation_id="arbitrage_list",
        parameters=[s.ArbitrageQuery],
        responses=s.OpportunitiesSerializer,
        tags=["market"],
    )
    def get(self, request: Request) -> Response:
        """Open opportunities, best net spread first, each with its funding leg over `hours`;
        with `near_miss_bps`, also the pairs within that many basis points of breaking even. Net
        figures are at the caller's own taker fees (GET /api/settings) where they set any."""
        params = query(s.ArbitrageQuery, request)
        own = trading_settings(request.user)
        found, count = queries.open_opportunities(
            exchanges=params.get("exchange"),
            min_spread_pct=params.get("min_spread", own.min_net_spread_pct),
            min_size_base=params.get("min_size"),
            limit=params["limit"],
            own_taker_pct=own.taker_fees_pct,
        )
        found = queries.with_funding(found, params.get("hours") or own.holding_h)
        data = {"opportunities": found, "count": count, "timestamp": _now()}
        data.update(_near_misses(params, own))
        return Response(s.OpportunitiesSerializer(data).data)


def _near_misses(params: dict, own: UserTrading, instrument: str | None = None) -> dict:
    """`near_misses` and `near_miss_count` when the query asks for them (?near_miss_bps=), at
    the caller's own fees."""
    if params.get("near_miss_bps") is None:
        return {}
    misses, count = queries.near_misses(
        params["near_miss_bps"],
        instruments={instrument} if instrument else None,
        exchanges=params.get("exchange"),
        min_size_base=params.get("min_size"),
        limit=params["limit"],
        own_taker_pct=own.taker_fees_pct,
    )
    return {"near_misses": misses, "near_miss_count": count}


EIGHT_PLACES = Decimal("1e-8")


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(EIGHT_PLACES)


def _funding_leg(leg) -> dict:
    return {**{name: getattr(leg, name) for name in leg.__slots__}, "funding_pct": _pct(leg.funding_pct)}


class FundingView(APIView):
    @extend_schema(
        operation_id="funding_list", parameters=[s.FundingQuery], responses=s.FundingSerializer, tags=["market"]
    )
    def get(self, request: Request) -> Response:
        """Long on one exchange and short on another, ranked by funding earned per day, with the
        current spread as the entry cost and the edge after fees and funding over `hours`."""
        params = query(s.FundingQuery, request)
        own = trading_settings(request.user)
        hours = params.get("hours") or own.holding_h
        chosen = FundingFilter(
            exchanges=frozenset(params.get("exchange") or ()),
            query=params.get("q", ""),
            min_daily_pct=params.get("min_daily_pct"),
            positive_edge=params.get("positive_edge", False),
            sort=params.get("sort", "daily"),
        )
        pairs, count, at_ms = queries.funding_ranking(
            hours=hours, limit=params["limit"], own_taker_pct=own.taker_fees_pct, chosen=chosen
        )
        rows = [
            {
                "market": pair.market,
                "long": _funding_leg(pair.edge.long),
                "short": _funding_leg(pair.edge.short),
                "hours": pair.edge.hours,
                "funding_pct": _pct(pair.edge.funding_pct),
                "daily_pct": _pct(pair.edge.daily_pct),
                "annual_pct": _pct(pair.edge.annual_pct),
                "entry_net_spread_pct": _pct(pair.edge.net_spread_pct),
                "edge_pct": _pct(pair.edge.edge_pct),
                "basis_risk": pair.basis_risk,
            }
            for pair in pairs
        ]
        data = {"pairs": rows, "count": count, "hours": hours, "now_ms": at_ms, "timestamp": _now()}
        return Response(s.FundingSerializer(data).data)


class SymbolArbitrageView(APIView):
    @extend_schema(
        parameters=[SYMBOL_PARAMETER, s.ArbitrageQuery], responses=s.SymbolOpportunitiesSerializer, tags=["market"]
    )
    def get(self, request: Request, symbol: str) -> Response:
        """Open opportunities with a leg on one instrument, best net spread first."""
        instrument = symbol_or_404(symbol)
        params = query(s.ArbitrageQuery, request)
        own = trading_settings(request.user)
        found, count = queries.open_opportunities(
            instrument=instrument,
            exchanges=params.get("exchange"),
            min_spread_pct=params.get("min_spread", own.min_net_spread_pct),
            min_size_base=params.get("min_size"),
            limit=params["limit"],
            own_taker_pct=own.taker_fees_pct,
        )
        found = queries.with_funding(found, params.get("hours") or own.holding_h)
        data = {"symbol": instrument, "opportunities": found, "count": count, "timestamp": _now()}
        data.update(_near_misses(params, own, instrument))
        return Response(s.SymbolOpportunitiesSerializer(data).data)


class SpreadView(APIView):
    @extend_schema(
        parameters=[
            SYMBOL_PARAMETER,
            _exchange_parameter("exchange1", "binance"),
            _exchange_parameter("exchange2", "bybit"),
        ],
        responses=s.SpreadSerializer,
        tags=["market"],
    )
    def get(self, request: Request, symbol: str, exchange1: str, exchange2: str) -> Response:
        """Buying on one exchange and selling on the other, both ways, after taker fees (the
        caller's own where they set any)."""
        instrument = symbol_or_404(symbol)
        first, second = exchange_or_404(exchange1), exchange_or_404(exchange2)
        if first == second:
            raise ValidationError({"exchange2": "must differ from exchange1"})
        pair = queries.pair_spreads(instrument, first, second, trading_settings(request.user).taker_fees_pct)
        data = {
            "symbol": pair.symbol,
            "exchange1": pair.exchange1,
            "exchange2": pair.exchange2,
            "exchange1_quote": pair.quote1,
            "exchange2_quote": pair.quote2,
            "spreads": pair.spreads,
            "best": pair.best,
            "timestamp": _now(),
        }
        return Response(s.SpreadSerializer(data).data)


class OpportunityHistoryView(APIView):
    @extend_schema(parameters=[s.HistoryQuery], responses=s.OpportunityHistorySerializer, tags=["market"])
    def get(self, request: Request) -> Response:
        """Opportunities as they lived (opened, peak, closed), newest first, a page at a time."""
        params = query(s.HistoryQuery, request)
        rows = queries.opportunity_history(
            since=params.get("since"),
            until=params.get("until"),
            instrument=params.get("symbol"),
            exchanges=params.get("exchange"),
            min_spread_pct=params.get("min_spread"),
            state=params.get("state"),
        )
        return Response(s.OpportunityHistorySerializer(page(request, rows, params["limit"], params["offset"])).data)
