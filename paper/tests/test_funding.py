"""Funding on paper positions over a scripted sequence of events: a long on Binance (8 h
funding) against a short on Bybit (4 h), each event paid at the last rate and mid announced
before it, on the size held at its time, booked to the wallet and the position once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from asgiref.sync import async_to_sync
from django.db import connections

from arbitrage.quote_cache import encode_funding_row, write_funding
from arbitrage.tests.factories import make_quote
from feeds.funding import Funding
from paper.execution import execute_pair, set_balance
from paper.funding_settlement import capture, run, settle
from paper.models import PaperExecution, PaperFundingPayment, PaperPosition, PaperWallet
from paper.tests.market import INSTRUMENT, quoted

pytestmark = pytest.mark.django_db

H = 3_600_000
T0 = 1_700_000_000_000  # the pair is opened
MIN = 60_000


def at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def opened(user, key: str, size: str, executed_ms: int) -> None:
    execution, _ = execute_pair(user, "binance", "bybit", INSTRUMENT, D(size), key)
    PaperExecution.objects.filter(pk=execution.pk).update(executed_at=at(executed_ms))


def records(binance: tuple[str, int], bybit: tuple[str, int]) -> dict:
    return {
        INSTRUMENT: {
            "binance": Funding("binance", "ETHUSDT", INSTRUMENT, D(binance[0]), 8, binance[1], 0),
            "bybit": Funding("bybit", "ETHUSDT", INSTRUMENT, D(bybit[0]), 4, bybit[1], 0),
        }
    }


def mids(binance: str, bybit: str) -> dict:
    return {INSTRUMENT: {"binance": {"bid": binance, "ask": binance}, "bybit": {"bid": bybit, "ask": bybit}}}


def funding_of(user, exchange: str) -> D:
    return PaperPosition.objects.get(user=user, exchange=exchange).funding


def balance_of(user, exchange: str) -> D:
    return PaperWallet.objects.get(user=user, exchange=exchange).balance


def test_a_scripted_sequence_of_events_on_two_intervals_pays_each_leg_exactly_once(alice, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    opened(alice, "first", "1", T0)
    before = {exchange: balance_of(alice, exchange) for exchange in ("binance", "bybit")}
    binance_event, bybit_events = T0 + 2 * H, (T0 + 1 * H, T0 + 5 * H)

    # Announced, then revised before Bybit's event: the last rate and mid before it count.
    capture(records(("0.0001", binance_event), ("0.0002", bybit_events[0])), mids("2315.15", "2330.45"), T0 + 30 * MIN)
    capture(records(("0.0001", binance_event), ("0.00025", bybit_events[0])), mids("2315.15", "2331.45"), T0 + 59 * MIN)
    assert settle(T0 + 59 * MIN) == []

    # Bybit's event passed; its next one is announced at a new rate, which does not change the one paid.
    capture(records(("0.0001", binance_event), ("0.0003", bybit_events[1])), mids("2316", "2332"), T0 + 61 * MIN)
    [short_paid] = settle(T0 + 61 * MIN)
    assert (short_paid.size_base, short_paid.mark_price, short_paid.rate) == (D(-1), D("2331.45"), D("0.00025"))
    assert short_paid.amount == D("0.5828625")  # a short earns a positive rate: 1 × 2331.45 × 0.00025
    assert settle(T0 + 62 * MIN) == []  # once

    # Binance's event, long 1: pays 1 × 2316 × 0.0001 (the mid last seen before it).
    capture(records(("-0.00005", T0 + 10 * H), ("0.0003", bybit_events[1])), mids("2317", "2333"), T0 + 2 * H + MIN)
    [long_paid] = settle(T0 + 2 * H + MIN)
    assert long_paid.amount == D("-0.2316")

    # The pair doubles after Binance's event and before Bybit's second one.
    opened(alice, "second", "1", T0 + 3 * H)
    # The feed lags: the record still names the event that just passed; what was captured stands.
    capture(records(("-0.00005", T0 + 10 * H), ("0.0009", bybit_events[1])), mids("2400", "2400"), T0 + 5 * H + MIN)
    [second_short] = settle(T0 + 5 * H + MIN)
    assert (second_short.size_base, second_short.amount) == (D(-2), D("1.3998"))  # 2 × 2333 × 0.0003

    assert funding_of(alice, "bybit") == D("0.5828625") + D("1.3998") == D("1.9826625")
    assert funding_of(alice, "binance") == D("-0.2316")
    second_fills = PaperExecution.objects.get(idempotency_key="second").fills.all()
    spent = {fill.exchange: fill.notional + fill.fee for fill in second_fills}
    assert balance_of(alice, "bybit") == before["bybit"] - spent["bybit"] + D("1.9826625")
    assert balance_of(alice, "binance") == before["binance"] - spent["binance"] - D("0.2316")
    assert PaperFundingPayment.objects.count() == 3


def test_a_position_opened_after_an_event_is_not_paid_for_it(alice, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    capture(records(("0.0001", T0 + H), ("0.0002", T0 + H)), mids("2315", "2330"), T0)
    opened(alice, "late", "1", T0 + H + 1)

    assert settle(T0 + H + MIN) == []


def test_the_task_reads_the_engines_cache_and_pays_the_api_and_page_show_it(alice, as_user, client, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    opened(alice, "k", "1", T0)
    rows = records(("0.0001", T0 + H), ("-0.0002", T0 + H))[INSTRUMENT]
    async_to_sync(write_funding)(
        {INSTRUMENT: {exchange: encode_funding_row(record) for exchange, record in rows.items()}}, [INSTRUMENT]
    )
    quoted(
        make_quote("binance", INSTRUMENT, bid="2315.10", ask="2315.20", size="5", ts_ms=T0),
        make_quote("bybit", INSTRUMENT, bid="2330.40", ask="2330.50", size="5", ts_ms=T0),
    )

    run(T0 + 30 * MIN)  # captured
    booked = run(T0 + H + MIN)

    # Long pays 1 × 2315.15 × 0.0001; the short pays a negative rate: 1 × 2330.45 × 0.0002.
    assert sorted(payment.amount for payment in booked) == [D("-0.46609"), D("-0.231515")]
    positions = {row["exchange"]: row for row in as_user(alice).get("/api/paper/positions").json()}
    assert D(positions["binance"]["funding"]) == D("-0.231515")
    assert D(positions["bybit"]["funding"]) == D("-0.46609")
    client.force_login(alice)
    page = client.get("/paper/").content.decode()
    assert "<th>Funding</th>" in page and "-0.47 USDT" in page and "-0.23 USDT" in page


def test_a_payment_the_wallet_cannot_cover_changes_nothing_and_is_booked_once_it_can(alice, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    opened(alice, "k", "1", T0)
    set_balance(alice, "binance", "USDT", D("0.1"))
    capture(records(("0.0001", T0 + H), ("0.0001", T0 + 4 * H)), mids("2315.15", "2330.45"), T0)

    assert settle(T0 + H + MIN) == []  # the long owes 0.231515, the wallet holds 0.1
    assert (balance_of(alice, "binance"), funding_of(alice, "binance")) == (D("0.1"), 0)
    assert not PaperFundingPayment.objects.exists()

    set_balance(alice, "binance", "USDT", D("1"))
    [paid] = settle(T0 + H + 2 * MIN)
    assert paid.amount == D("-0.231515")
    assert (balance_of(alice, "binance"), funding_of(alice, "binance")) == (D("0.768485"), D("-0.231515"))


@pytest.mark.django_db(transaction=True)
def test_settlements_running_at_once_book_each_event_once(alice, market, postgres_url):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    opened(alice, "k", "1", T0)
    capture(records(("0.0001", T0 + H), ("0.0002", T0 + H)), mids("2315.15", "2330.45"), T0)
    before = balance_of(alice, "binance")
    racers = 6
    start = threading.Barrier(racers, timeout=10)
    booked: list[int] = []

    def settle_now() -> None:
        try:
            start.wait()
            booked.append(len(settle(T0 + H + MIN)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=settle_now) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(booked) == 2 and len(booked) == racers
    assert PaperFundingPayment.objects.count() == 2
    assert balance_of(alice, "binance") == before - D("0.231515")
    assert funding_of(alice, "bybit") == D("0.46609")
