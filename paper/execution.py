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
from arbitrage.quote_cache import read_quotes
from lib.clock import now_ms
from lib.numbers import plain
from paper.active_users import ActiveUser, active_user, paper_changed, refresh_active_user
from paper.books import leg_book
from paper.executor import ExecutionRefused, FilledLeg, PairFill, PairOrder
from paper.fills import LegFill, NotFillable, fill_pair
from paper.models import PaperEquityPoint, PaperExecution, PaperFill, PaperPosition, PaperWallet
from paper.positions import Position, apply_fill, equity

ZERO = Decimal(0)


class InsufficientBalance(ExecutionRefused):
    """A leg's wallet lacks what the leg ties up; nothing is filled."""


def execute_pair(
    user, buy_exchange: str, sell_exchange: str, instrument: str, size_base: Decimal, idempotency_key: str
) -> tuple[PaperExecution, bool]:
    """(the execution, True) when filled now; (the earlier one, False) for a retried key.
    NotFillable or InsufficientBalance when nothing could be filled.

    Up to the fill's transaction everything is read from the cache: the books (paper.books),
    the user's fees (accounts.trading) and wallets, positions and limits (paper.active_users).
    The database is read only to fill, and to find this key's earlier execution when the pair
    is refused now (a retry must get the first answer, whatever the books say since)."""
    try:
        entry, legs = _checked_legs(user, buy_exchange, sell_exchange, instrument, size_base)
    except ExecutionRefused:
        earlier = PaperExecution.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier, False
        raise
    try:
        with transaction.atomic():
            # The unique key refuses a retry here, before anything is booked.
            execution = PaperExecution.objects.create(
                user=user,
                idempotency_key=idempotency_key,
                buy_exchange=buy_exchange,
                sell_exchange=sell_exchange,
                size_base=legs[0].size_base,
            )
            for leg in legs:
                _book_fill(user, leg, entry.wallets[leg.exchange, leg.currency].id, entry.max_exchange_notional)
                PaperFill.objects.create(execution=execution, **_fill_fields(leg))
            # The cached entry is out of date now, and loaded again once this commits, so the
            # user's next execution is checked from the cache again.
            refresh_active_user(user)
    except IntegrityError:
        earlier = PaperExecution.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if earlier is not None:  # the same key won a race, or was filled before: one execution only
            return earlier, False
        raise
    record_equity(user)
    return execution, True


def _checked_legs(
    user, buy_exchange: str, sell_exchange: str, instrument: str, size_base: Decimal
) -> tuple[ActiveUser, tuple[LegFill, LegFill]]:
    """Both legs filled against the cached books and checked against the user's cached limits
    and wallets; ExecutionRefused when they cannot be."""
    if buy_exchange == sell_exchange:
        raise NotFillable("the two legs must be on different exchanges")
    own_fees = trading_settings(user).taker_fees_pct
    legs = fill_pair(
        leg_book(buy_exchange, instrument, own_fees.get(buy_exchange)),
        leg_book(sell_exchange, instrument, own_fees.get(sell_exchange)),
        size_base,
        now_ms(),
    )
    entry = active_user(user)
    pair_notional = max(leg.notional for leg in legs)
    if entry.max_pair_notional is not None and pair_notional > entry.max_pair_notional:
        raise NotFillable(
            f"{pair_notional:.2f} per leg is above your limit of {plain(entry.max_pair_notional)} per pair"
        )
    for leg in legs:
        wallet = entry.wallets.get((leg.exchange, leg.currency))
        if wallet is None:
            raise InsufficientBalance(f"no {leg.currency} wallet on {leg.exchange}: set its balance first")
        held = entry.positions.get((leg.exchange, leg.instrument), Position())
        delta = _wallet_delta(apply_fill(held, leg.side, leg.price, leg.size_base), leg)
        if wallet.balance + delta < 0:
            raise InsufficientBalance(_short_of(leg, delta))
    return entry, legs


def _wallet_delta(change, leg: LegFill) -> Decimal:
    """What a leg does to its wallet: margin tied up or released, PnL realised, the fee paid."""
    return change.margin_released + change.realised_pnl - change.margin_used - leg.fee


def _short_of(leg: LegFill, delta: Decimal) -> str:
    return f"{leg.exchange} {leg.currency} wallet holds less than the {-delta:.2f} this leg needs"


def _book_fill(user, leg: LegFill, wallet_id: int, max_exchange_notional: Decimal | None) -> None:
    """The leg's effect on its position and wallet: margin tied up or released, PnL realised,
    the fee paid. The position row is locked, so concurrent executions apply in turn, and the
    wallet's never-negative constraint refuses what a cached balance did not foresee."""
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
    _within_exchange_limit(user, leg.exchange, max_exchange_notional)
    delta = _wallet_delta(change, leg)
    wallets = PaperWallet.objects.filter(pk=wallet_id, user=user)
    try:
        with transaction.atomic():
            updated = wallets.update(balance=F("balance") + delta)
    except IntegrityError as exc:  # the never-negative constraint
        raise InsufficientBalance(_short_of(leg, delta)) from exc
    if not updated:
        paper_changed(user.pk)  # the cached wallet is gone: the next read finds what there is
        raise InsufficientBalance(f"no {leg.currency} wallet on {leg.exchange}: set its balance first")


def _within_exchange_limit(user, exchange: str, limit: Decimal | None) -> None:
    """The positions as this transaction leaves them (read under its locks), against the limit."""
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
    refresh_active_user(user)
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
