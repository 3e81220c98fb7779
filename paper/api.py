"""/api/paper/: a user's paper wallets and executions (JWT or session, own data only)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lib.openapi import ERROR_SCHEMA
from paper import serializers as s
from paper.active_users import paper_changed
from paper.execution import (
    equity_points,
    execute_pair,
    marked_positions,
    record_equity,
    set_balance,
)
from paper.executor import ExecutionRefused
from paper.models import PaperExecution, PaperLimits, PaperWallet
from paper.ticket import ticket_size


class WalletsView(APIView):
    @extend_schema(operation_id="paper_wallets_list", responses=s.WalletSerializer(many=True), tags=["paper"])
    def get(self, request: Request) -> Response:
        """My paper balances, per exchange and settle currency."""
        wallets = PaperWallet.objects.filter(user=request.user).order_by("exchange", "currency")
        return Response(s.WalletSerializer(wallets, many=True).data)

    @extend_schema(request=s.WalletInput, responses=s.WalletSerializer, tags=["paper"])
    def put(self, request: Request) -> Response:
        """Set (or reset) one balance."""
        given = s.WalletInput(data=request.data)
        given.is_valid(raise_exception=True)
        wallet = set_balance(request.user, **given.validated_data)
        return Response(s.WalletSerializer(wallet).data)


class ExecutionsView(APIView):
    @extend_schema(operation_id="paper_executions_list", responses=s.ExecutionSerializer(many=True), tags=["paper"])
    def get(self, request: Request) -> Response:
        """My paper executions, newest first (the latest 100)."""
        executions = PaperExecution.objects.filter(user=request.user).prefetch_related("fills").order_by("-id")[:100]
        return Response(s.ExecutionSerializer(executions, many=True).data)

    @extend_schema(
        request=s.ExecutionInput,
        responses={201: s.ExecutionSerializer, 200: s.ExecutionSerializer, 409: ERROR_SCHEMA},
        tags=["paper"],
    )
    def post(self, request: Request) -> Response:
        """Buy on one exchange and sell on the other at the books of this moment, both legs or
        neither (201). A retried idempotency key returns the first execution (200). 409 says
        why nothing was filled: a stale or missing quote, too large a size, too small a wallet."""
        given = s.ExecutionInput(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            execution, filled = execute_pair(request.user, **given.validated_data)
        except ExecutionRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if filled else status.HTTP_200_OK
        return Response(s.ExecutionSerializer(execution).data, status=code)


class TicketView(APIView):
    @extend_schema(parameters=[s.TicketInput], responses=s.TicketSerializer, tags=["paper"])
    def get(self, request: Request) -> Response:
        """What to execute for an open pair: the opportunity's depth walk's most profitable size
        at my fees (`size_from` "depth"), or its size at both tops of book where depth is
        unknown ("top_of_book"), rounded down to both exchanges' order steps, and a fresh
        idempotency key: the defaults of a POST /api/paper/executions."""
        given = s.TicketInput(data=request.query_params)
        given.is_valid(raise_exception=True)
        pair = given.validated_data
        size = ticket_size(request.user, pair["buy_exchange"], pair["sell_exchange"], pair["instrument"])
        answer = {**pair, "size_base": size.size_base, "size_from": size.size_from, "idempotency_key": uuid.uuid4().hex}
        return Response(s.TicketSerializer(answer).data)


class PositionsView(APIView):
    @extend_schema(operation_id="paper_positions_list", responses=s.PositionSerializer(many=True), tags=["paper"])
    def get(self, request: Request) -> Response:
        """My open paper positions, marked at each exchange's mid now."""
        return Response(s.PositionSerializer(marked_positions(request.user), many=True).data)


class LimitsView(APIView):
    @extend_schema(operation_id="paper_limits_get", responses=s.LimitsSerializer, tags=["paper"])
    def get(self, request: Request) -> Response:
        """How large my paper trades may grow (null: no limit), in settle currency."""
        limits, _ = PaperLimits.objects.get_or_create(user=request.user)
        return Response(s.LimitsSerializer(limits).data)

    @extend_schema(request=s.LimitsSerializer, responses=s.LimitsSerializer, tags=["paper"])
    def put(self, request: Request) -> Response:
        """Set both limits: per pair (each leg's notional) and per exchange (open positions at entry)."""
        limits, _ = PaperLimits.objects.get_or_create(user=request.user)
        given = s.LimitsSerializer(limits, data=request.data)
        given.is_valid(raise_exception=True)
        given.save()
        paper_changed(request.user.pk)
        return Response(given.data)


class EquityView(APIView):
    @extend_schema(operation_id="paper_equity_list", responses=s.EquityPointSerializer(many=True), tags=["paper"])
    def get(self, request: Request) -> Response:
        """My equity curve, oldest first: a point per settle currency on each fill, each balance
        set, and each POST (the latest 2,000 points)."""
        return Response(s.EquityPointSerializer(equity_points(request.user), many=True).data)

    @extend_schema(request=None, responses={201: s.EquityPointSerializer(many=True)}, tags=["paper"])
    def post(self, request: Request) -> Response:
        """Record my equity now, at the current marks (one point per settle currency)."""
        points = record_equity(request.user)
        return Response(s.EquityPointSerializer(points, many=True).data, status=status.HTTP_201_CREATED)
