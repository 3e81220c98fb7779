"""Executing a pair on paper: read the books, fill both legs, debit both wallets, atomically.

An execution is all or nothing: both legs' positions and wallets change in one transaction,
and the database refuses a negative balance, so two executions racing for one wallet cannot
both spend it. Executing the reverse pair (buy where you sold, sell where you bought) closes
the positions and releases their margin with the PnL. A request carries an idempotency key:
a retry with the same key returns the first execution and fills nothing. Each fill, and each
balance set, records a point of the user's equity curve.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.trading import trading_settings
from arbitrage.quote_cache import read_depth, read_quotes
from feeds.models import Exchange, Instrument
from lib.clock import now_ms
from lib.numbers import plain
from paper.executor import ExecutionRefused, FilledLeg, PairFill, PairOrder
from paper.fills import Book, LegFill, NotFillable, fill_pair
from paper.models import PaperEquityPoint, PaperExecution, PaperFill, PaperLimits, PaperPosition, PaperWallet
from paper.positions import Position, apply_fill, equity

ZERO = Decimal(0)
UNKNOWN_LOT_BASE = Decimal("0.000001")  # an instrument not in the listings: a step fine enough for any coin


class InsufficientBalance(ExecutionRefused):
    """A leg's wallet lacks what the leg ties up; nothing is filled."""


def _book(exchange_id: str, instrument: str, own_taker_fee_pct: Decimal | None = None) -> Book:
    """The leg's top of book and latest book of levels (both from the engine's cache), order
    step and fee: the user's own taker fee on the exchange (Settings) where they set one, else
    the admin's."""
    quote = read_quotes([instrument]).get(instrument, {}).get(exchange_id)
    if quote is None:
        raise NotFillable(f"no quote for {instrument} on {exchange_id}")
    exchange = Exchange.objects.filter(id=exchange_id, enabled=True).first()
    if exchange is None:
        raise NotFillable(f"exchange {exchange_id} is not enabled")
    listed = Instrument.objects.filter(exchange=exchange_id, instrument=instrument).first()
    lot_base, min_base = listed.to_value().order_steps_base() if listed else (UNKNOWN_LOT_BASE, ZERO)
    return Book(
        exchange=exchange_id,
        instrument=instrument,
        bid=Decimal(quote["bid"]),
        ask=Decimal(quote["ask"]),
        bid_size=Decimal(quote["bid_size"]),
        ask_size=Decimal(quote["ask_size"]),
        ts_ms=int(quote["ts_ms"]),
        lot_base=lot_base,
        taker_fee_pct=exchange.taker_fee_pct if own_taker_fee_pct is None else own_taker_fee_pct,
        max_age_ms=exchange.max_quote_age_ms,
        min_base=min_base,
        depth=read_depth([(exchange_id, instrument)]).get((exchange_id, instrument)),
    )


def execute_pair(
    user, buy_exchange: str, sell_exchange: str, instrument: str, size_base: Decimal, idempotency_key: str
) -> tuple[PaperExecution, bool]:
    """(the execution, True) when filled now; (the earlier one, False) for a retried key.
    NotFillable or InsufficientBalance when nothing could be filled."""
    earlier = PaperExecution.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier, False
    if buy_exchange == sell_exchange:
        raise NotFillable("the two legs must be on different exchanges")
    own_fees = trading_settings(user).taker_fees_pct
    legs = fill_pair(
        _book(buy_exchange, instrument, own_fees.get(buy_exchange)),
        _book(sell_exchange, instrument, own_fees.get(sell_exchange)),
        size_base,
        now_ms(),
    )
    limits = PaperLimits.objects.filter(user=user).first()
    pair_notional = max(leg.notional for leg in legs)
    if limits and limits.max_pair_notional is not None and pair_notional > limits.max_pair_notional:
        raise NotFillable(
            f"{pair_notional:.2f} per leg is above your limit of {plain(limits.max_pair_notional)} per pair"
        )
    try:
        with transaction.atomic():
            execution = PaperExecution.objects.create(
                user=user,
                idempotency_key=idempotency_key,
                buy_exchange=buy_exchange,
                sell_exchange=sell_exchange,
                size_base=legs[0].size_base,
            )
            for leg in legs:
                _book_fill(user, leg)
                PaperFill.objects.create(execution=execution, **_fill_fields(leg))
    except IntegrityError:
        earlier = PaperExecution.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if earlier is not None:  # the same key won a race: one execution only
            return earlier, False
        raise
    record_equity(user)
    return execution, True


def _book_fill(user, leg: LegFill) -> None:
    """The leg's effect on its position and wallet: margin tied up or released, PnL realised,
    the fee paid. The position row is locked, so concurrent executions apply in turn."""
    row, _ = PaperPosition.objects.get_or_create(
        user=user,
        exchange=leg.exchange,
        instrument=leg.instrument,
        defaults={"size_base": 0, "entry_price": 0, "realised_pnl": 0, "currency": leg.currency},
    )
    row = PaperPosition.objects.select_for_update().get(pk=row.pk)
    change = apply_fill(Position(row.size_base, row.entry_price, row.realised_pnl), leg.side, leg.price, leg.size_base)
    row.size_base, row.entry_price, row.realised_pnl = (
        change.position.size_base,
        change.position.entry_price,
        change.position.realised_pnl,
    )
    row.save(update_fields=["size_base", "entry_price", "realised_pnl"])
    _within_exchange_limit(user, leg.exchange)
    delta = change.margin_released + change.realised_pnl - change.margin_used - leg.fee
    wallets = PaperWallet.objects.filter(user=user, exchange=leg.exchange, currency=leg.currency)
    try:
        with transaction.atomic():
            updated = wallets.update(balance=F("balance") + delta)
    except IntegrityError as exc:  # the never-negative constraint
        raise InsufficientBalance(
            f"{leg.exchange} {leg.currency} wallet holds less than the {-delta:.2f} this leg needs"
        ) from exc
    if not updated:
        raise InsufficientBalance(f"no {leg.currency} wallet on {leg.exchange}: set its balance first")


def _within_exchange_limit(user, exchange: str) -> None:
    limit = PaperLimits.objects.filter(user=user).values_list("max_exchange_notional", flat=True).first()
    if limit is None:
        return
    rows = PaperPosition.objects.filter(user=user, exchange=exchange).values_list("size_base", "entry_price")
    held = sum((abs(size) * entry for size, entry in rows), Decimal(0))
    if held > limit:
        raise NotFillable(f"{held:.2f} open on {exchange} would be above your limit of {plain(limit)} per exchange")


def _fill_fields(leg: LegFill) -> dict:
    return {
        "exchange": leg.exchange,
        "instrument": leg.instrument,
        "side": leg.side,
        "price": leg.price,
        "size_base": leg.size_base,
        "notional": leg.notional,
        "fee": leg.fee,
        "currency": leg.currency,
        "priced_from": leg.priced_from,
    }


def set_balance(user, exchange: str, currency: str, balance: Decimal) -> PaperWallet:
    wallet, _ = PaperWallet.objects.update_or_create(
        user=user, exchange=exchange, currency=currency, defaults={"balance": balance}
    )
    record_equity(user)  # the curve steps where the user sets or resets a balance
    return wallet


def _open_marked(user) -> list[tuple[PaperPosition, Decimal | None]]:
    """The user's open positions, each with its exchange's current mid (None: no quote)."""
    rows = list(PaperPosition.objects.filter(user=user).exclude(size_base=0).order_by("instrument", "exchange"))
    quotes = read_quotes(sorted({row.instrument for row in rows})) if rows else {}
    marked = []
    for row in rows:
        quote = quotes.get(row.instrument, {}).get(row.exchange)
        marked.append((row, (Decimal(quote["bid"]) + Decimal(quote["ask"])) / 2 if quote else None))
    return marked


def record_equity(user) -> list[PaperEquityPoint]:
    """A point of the user's equity curve now, per settle currency: balances plus open
    positions at their mark (paper.positions.equity)."""
    balances = list(PaperWallet.objects.filter(user=user).values_list("currency", "balance"))
    held = [
        (row.currency, Position(row.size_base, row.entry_price, row.realised_pnl), mark)
        for row, mark in _open_marked(user)
    ]
    at = timezone.now()
    return PaperEquityPoint.objects.bulk_create(
        PaperEquityPoint(user=user, currency=currency, equity=total, recorded_at=at)
        for currency, total in sorted(equity(balances, held).items())
    )


EQUITY_POINTS = 2000


def equity_points(user) -> list[PaperEquityPoint]:
    """The user's latest equity points, oldest first."""
    latest = PaperEquityPoint.objects.filter(user=user).order_by("-recorded_at", "-id")[:EQUITY_POINTS]
    return list(reversed(latest))


def marked_positions(user) -> list[dict]:
    """The user's open positions, each marked at its exchange's current mid (None: no quote)."""
    marked = []
    for row, mark in _open_marked(user):
        position = Position(row.size_base, row.entry_price, row.realised_pnl)
        marked.append(
            {
                "exchange": row.exchange,
                "instrument": row.instrument,
                "size_base": row.size_base,
                "entry_price": row.entry_price,
                "mark_price": mark,
                "unrealised_pnl": position.unrealised_pnl(mark) if mark is not None else None,
                "realised_pnl": row.realised_pnl,
                "funding": row.funding,
                "currency": row.currency,
            }
        )
    return marked


class PaperExecutor:
    """paper.executor.Executor on paper money: execute_pair above, its execution as a PairFill."""

    def execute_pair(self, user, order: PairOrder) -> PairFill:
        execution, filled = execute_pair(
            user, order.buy_exchange, order.sell_exchange, order.instrument, order.size_base, order.idempotency_key
        )
        legs = tuple(
            FilledLeg(fill.exchange, fill.instrument, fill.side, fill.price, fill.size_base, fill.fee, fill.currency)
            for fill in execution.fills.order_by("side")
        )
        return PairFill(str(execution.id), filled, legs)
