"""Funding on paper positions: each funding event that passes pays or charges every position
held at its time, booked to the position's wallet and to its `funding` total, exactly once.

Where it runs: a Celery beat task (paper.tasks.settle_paper_funding, every 30 s), not the
engine's loop. It writes wallets and positions in database transactions, which the engine keeps
off its tick path, and it needs nothing the engine holds only in memory: the funding records
and quotes it reads are the ones the engine writes to the cache. Beat's schedule also runs in
the single-process mode (run_all). A run is safe twice, or two at once: a unique constraint on
(position, funding time) books each event on each position once.

A run has two steps:
1. capture: for every instrument a paper position is open on, each exchange's cached funding
   record announces its next event; the event's rate and the exchange's mid are kept
   (PaperFundingEvent) and refreshed on every run until the event's time, then frozen. An
   event is thus paid at the last rate announced before it (at most a run and a funding poll
   old), whatever the exchange announces for its next event afterwards.
2. settle: each event whose time has passed, within the last day, pays every position on its
   exchange and instrument with a size at that time (from its fills): rate × size × mark,
   longs paying a positive rate (paper.funding). An event with no quote seen before it is not
   paid, and one a wallet cannot cover is left unbooked and logged; both stay to be retried
   while in the window.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F

from arbitrage.quote_cache import read_funding, read_quotes
from feeds.funding import Funding
from paper.active_users import paper_changed
from paper.execution import record_equity
from paper.funding import funding_amount, size_at
from paper.models import PaperFill, PaperFundingEvent, PaperFundingPayment, PaperPosition, PaperWallet

logger = logging.getLogger(__name__)

SETTLE_WINDOW_MS = 24 * 3_600_000
# The database keeps 12 decimal places: amounts are rounded there once, so the wallet and the
# position's total are exact sums of the stored payments.
AMOUNT_PLACES = Decimal("1e-12")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def run(now_ms: int) -> list[PaperFundingPayment]:
    """Capture what the cache announces, then settle what has passed: the payments booked now.
    Each user paid or charged gets a point of their equity curve."""
    instruments = sorted(
        set(PaperPosition.objects.exclude(size_base=0).values_list("instrument", flat=True).distinct())
    )
    if instruments:
        capture(read_funding(instruments), read_quotes(instruments), now_ms)
    booked = settle(now_ms)
    # Past the window an event is never paid; its payments keep their own rate and mark.
    PaperFundingEvent.objects.filter(funding_ms__lte=now_ms - SETTLE_WINDOW_MS).delete()
    for user in get_user_model().objects.filter(pk__in={payment.position.user_id for payment in booked}):
        record_equity(user)
    return booked


def capture(
    records: Mapping[str, Mapping[str, Funding]], quotes: Mapping[str, Mapping[str, dict]], now_ms: int
) -> None:
    """Keep each record's next event with its rate and the exchange's mid now; an event whose
    time has passed keeps what it had (or what a late record says, when it had nothing)."""
    for instrument, by_exchange in records.items():
        for exchange, record in by_exchange.items():
            quote = quotes.get(instrument, {}).get(exchange)
            mark = (Decimal(quote["bid"]) + Decimal(quote["ask"])) / 2 if quote else None
            key = {"exchange": exchange, "instrument": instrument, "funding_ms": record.next_funding_ms}
            values = {"rate": record.rate, **({"mark_price": mark} if mark is not None else {})}
            if record.next_funding_ms > now_ms:
                PaperFundingEvent.objects.update_or_create(**key, defaults=values)
            else:
                PaperFundingEvent.objects.get_or_create(**key, defaults=values)


def settle(now_ms: int) -> list[PaperFundingPayment]:
    booked = []
    events = PaperFundingEvent.objects.filter(
        funding_ms__lte=now_ms, funding_ms__gt=now_ms - SETTLE_WINDOW_MS, mark_price__isnull=False
    ).order_by("funding_ms", "exchange", "instrument")
    for event in events:
        positions = PaperPosition.objects.filter(exchange=event.exchange, instrument=event.instrument).exclude(
            funding_payments__funding_ms=event.funding_ms
        )
        for position in positions:
            payment = _book(position, event)
            if payment is not None:
                booked.append(payment)
    return booked


def _fills(position: PaperPosition) -> list[tuple[int, str, Decimal]]:
    rows = PaperFill.objects.filter(
        execution__user_id=position.user_id, exchange=position.exchange, instrument=position.instrument
    ).values_list("execution__executed_at", "side", "size_base")
    return [((at - EPOCH) // timedelta(milliseconds=1), side, size) for at, side, size in rows]


def _book(position: PaperPosition, event: PaperFundingEvent) -> PaperFundingPayment | None:
    size = size_at(_fills(position), event.funding_ms)
    if size == 0:
        return None
    amount = funding_amount(size, event.mark_price, event.rate).quantize(AMOUNT_PLACES)
    try:
        with transaction.atomic():
            payment = PaperFundingPayment.objects.create(
                position=position,
                funding_ms=event.funding_ms,
                rate=event.rate,
                mark_price=event.mark_price,
                size_base=size,
                amount=amount,
            )
            PaperPosition.objects.filter(pk=position.pk).update(funding=F("funding") + amount)
            wallets = PaperWallet.objects.filter(
                user_id=position.user_id, exchange=position.exchange, currency=position.currency
            )
            if not wallets.update(balance=F("balance") + amount):
                raise IntegrityError("no wallet")
            paper_changed(position.user_id)
    except IntegrityError as exc:  # booked by another run, or the wallet cannot cover it
        if not PaperFundingPayment.objects.filter(position=position, funding_ms=event.funding_ms).exists():
            logger.warning("funding %s on %s not booked: %s", amount, position, exc)
        return None
    return payment
