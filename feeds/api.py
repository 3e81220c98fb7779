"""Admin-only API over exchange and instrument settings: what Django admin edits, for scripts."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feeds import configuration
from feeds import serializers as s
from feeds.models import Exchange, Instrument
from feeds.symbols import UnknownExchange, resolve_exchange
from lib.paging import page


def _exchange(exchange_id: str) -> Exchange:
    try:
        return Exchange.objects.get(pk=resolve_exchange(exchange_id))
    except UnknownExchange as exc:
        raise NotFound(str(exc)) from exc


def _instrument(instrument_id: str) -> Instrument:
    pk = int(instrument_id) if instrument_id.isascii() and instrument_id.isdigit() and len(instrument_id) < 19 else 0
    return get_object_or_404(Instrument.objects.all(), pk=pk)


class ExchangesView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(operation_id="admin_exchanges_list", responses=s.ExchangeOutput(many=True), tags=["admin"])
    def get(self, request: Request) -> Response:
        """Every exchange's settings."""
        return Response(s.ExchangeOutput(Exchange.objects.all(), many=True).data)


@extend_schema(parameters=[OpenApiParameter("exchange_id", str, OpenApiParameter.PATH)])
class ExchangeView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=s.ExchangeOutput, tags=["admin"])
    def get(self, request: Request, exchange_id: str) -> Response:
        return Response(s.ExchangeOutput(_exchange(exchange_id)).data)

    @extend_schema(request=s.ExchangePatch, responses=s.ExchangeOutput, tags=["admin"])
    def patch(self, request: Request, exchange_id: str) -> Response:
        """Change an exchange's name, switch, taker or maker fee, or max quote age."""
        exchange = _exchange(exchange_id)
        patch = s.ExchangePatch(data=request.data)
        patch.is_valid(raise_exception=True)
        return Response(s.ExchangeOutput(configuration.update_exchange(exchange, **patch.validated_data)).data)


class InstrumentsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="admin_instruments_list",
        parameters=[s.InstrumentQuery],
        responses=s.InstrumentPage,
        tags=["admin"],
    )
    def get(self, request: Request) -> Response:
        """Instruments as the exchanges list them, filtered, a page at a time."""
        params = s.InstrumentQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = {name: value for name, value in params.validated_data.items() if name not in ("limit", "offset")}
        rows = Instrument.objects.filter(**{k: v for k, v in filters.items() if v is not None}).order_by("id")
        return Response(
            s.InstrumentPage(page(request, rows, params.validated_data["limit"], params.validated_data["offset"])).data
        )


@extend_schema(parameters=[OpenApiParameter("instrument_id", int, OpenApiParameter.PATH)])
class InstrumentView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=s.InstrumentOutput, tags=["admin"])
    def get(self, request: Request, instrument_id: str) -> Response:
        return Response(s.InstrumentOutput(_instrument(instrument_id)).data)

    @extend_schema(request=s.InstrumentPatch, responses=s.InstrumentOutput, tags=["admin"])
    def patch(self, request: Request, instrument_id: str) -> Response:
        """Enable or disable an instrument."""
        instrument = _instrument(instrument_id)
        patch = s.InstrumentPatch(data=request.data)
        patch.is_valid(raise_exception=True)
        return Response(
            s.InstrumentOutput(configuration.set_instrument_enabled(instrument, **patch.validated_data)).data
        )
