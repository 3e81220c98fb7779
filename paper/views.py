"""The Paper page and the paper-trade ticket of the opportunity rows: thin views that validate
with the API's serializers and call the functions the API calls (paper.execution)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from arbitrage.queries import price_decimals
from lib.numbers import plain
from paper import serializers as s
from paper.execution import equity_points, execute_pair, marked_positions, set_balance
from paper.executor import ExecutionRefused
from paper.models import PaperFill, PaperWallet
from paper.positions import open_pairs
from paper.ticket import ticket_size

RECENT_FILLS = 50


def _key() -> str:
    """A fresh idempotency key per rendered button: submitting it twice fills once."""
    return uuid.uuid4().hex


def _account(user) -> dict:
    positions = marked_positions(user)
    legs = [(p["exchange"], p["instrument"], p["size_base"]) for p in positions]
    return {
        "wallets": PaperWallet.objects.filter(user=user).order_by("exchange", "currency"),
        "positions": positions,
        "pairs": [{"pair": pair, "key": _key()} for pair in open_pairs(legs)],
        "fills": PaperFill.objects.filter(execution__user=user)
        .select_related("execution")
        .order_by("-execution_id", "side")[:RECENT_FILLS],
        "price_decimals": price_decimals(),  # each instrument's tick and lot, for the numbers shown
    }


@login_required
def paper(request: HttpRequest) -> HttpResponse:
    """My paper wallets, open positions (with a close button per pair), recent fills and my
    equity curve."""
    points = s.EquityPointSerializer(equity_points(request.user), many=True).data
    return render(request, "paper/paper.html", {**_account(request.user), "equity_points": points})


@login_required
@require_POST
def wallet(request: HttpRequest) -> HttpResponse:
    """Set (or reset) one balance; answers with the account part of the page."""
    given = s.WalletInput(data=request.POST)
    notice = None
    if given.is_valid():
        wallet = set_balance(request.user, **given.validated_data)
        notice = f"{wallet.exchange} {wallet.currency} set to {plain(wallet.balance)}"
    context = {**_account(request.user), "errors": given.errors, "notice": notice}
    return render(request, "paper/paper.html#account", context, status=200 if notice else 400)


@login_required
@require_POST
def close_pair(request: HttpRequest) -> HttpResponse:
    """Buy back the short leg and sell the long one, both at the books of this moment."""
    given = s.ExecutionInput(data=request.POST)
    status, notice, errors = 200, None, {}
    if given.is_valid():
        try:
            execution, _ = execute_pair(request.user, **given.validated_data)
            notice = f"Pair closed: {plain(execution.size_base)} {given.validated_data['instrument']}"
        except ExecutionRefused as exc:
            status, errors = 409, {"close": [str(exc)]}
    else:
        status, errors = 400, given.errors
    context = {**_account(request.user), "errors": errors, "notice": notice}
    return render(request, "paper/paper.html#account", context, status=status)


@login_required
@require_GET
def ticket(request: HttpRequest) -> HttpResponse:
    """The paper-trade form of one opportunity row with a fresh idempotency key, its size the
    opportunity's depth walk's most profitable size at the user's fees, else the size at both
    tops of book (paper.ticket), in the instrument's base units; the row's own size when the
    opportunity has closed meanwhile."""
    query = request.GET
    instrument, sell_instrument = query.get("buy_instrument", ""), query.get("sell_instrument", "")
    buy_exchange, sell_exchange = query.get("buy_exchange", ""), query.get("sell_exchange", "")
    try:
        top_coins = Decimal(query.get("size_coins", ""))
    except InvalidOperation:
        top_coins = None
    size = ticket_size(request.user, buy_exchange, sell_exchange, instrument, top_coins)
    context = {
        "buy_exchange": buy_exchange,
        "sell_exchange": sell_exchange,
        "instrument": instrument,
        "size_base": plain(size.size_base) if size.size_base is not None else "",
        "size_from": size.size_from,
        "key": _key(),
        "refused": None
        if instrument == sell_instrument
        else f"{instrument} against {sell_instrument}: paper trades need one instrument on both legs",
    }
    return render(request, "paper/_ticket.html", context)


@login_required
@require_POST
def execute(request: HttpRequest) -> HttpResponse:
    """Fill the ticket: the same call as POST /api/paper/executions, answered with the fills
    (201, or 200 for a key already filled) or why nothing was filled (409, 400)."""
    given = s.ExecutionInput(data=request.POST)
    if not given.is_valid():
        reasons = [f"{field}: {' '.join(map(str, problems))}" for field, problems in given.errors.items()]
        return render(request, "paper/_ticket.html#result", {"reason": "; ".join(reasons)}, status=400)
    try:
        execution, filled = execute_pair(request.user, **given.validated_data)
    except ExecutionRefused as exc:
        return render(request, "paper/_ticket.html#result", {"reason": str(exc)}, status=409)
    context = {"execution": execution, "fills": execution.fills.order_by("side"), "filled": filled}
    return render(request, "paper/_ticket.html#result", context, status=201 if filled else 200)
