"""The active-user cache: each user's wallets (id, balance), open positions, limits and watched
instruments, served to executions from Redis and reloaded after whatever changes them, while
the database stays what a fill is booked against."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.active_users import changed, current_version
from accounts.services import watch_instrument
from arbitrage.tests.factories import make_quote
from lib.clock import now_ms
from paper.active_users import active_user, entry_key
from paper.execution import InsufficientBalance, execute_pair, set_balance
from paper.models import PaperExecution, PaperWallet
from paper.tests.market import INSTRUMENT, quoted

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(alice, market, redis_url):
    """Alice's wallets, in a market quoted in the Redis cache (redis_url: a real Redis)."""
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    return alice


def test_the_entry_holds_wallet_ids_balances_positions_limits_and_watched_instruments(funded):
    watch_instrument(funded, INSTRUMENT)
    execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "k1")

    entry = active_user(funded)

    wallets = {(w.exchange, w.currency): (w.pk, w.balance) for w in PaperWallet.objects.filter(user=funded)}
    assert {key: (w.id, w.balance) for key, w in entry.wallets.items()} == wallets
    assert wallets["binance", "USDT"][1] == D("10000") - D("2315.20") - D("2315.20") * D("0.0005")
    assert {key: p.size_base for key, p in entry.positions.items()} == {
        ("binance", INSTRUMENT): D("1"),
        ("bybit", INSTRUMENT): D("-1"),
    }
    assert entry.instruments == frozenset({INSTRUMENT})
    assert (entry.max_pair_notional, entry.max_exchange_notional) == (None, None)
    assert cache.get(entry_key(funded.pk)) == entry  # in Redis, for every web process


def test_after_a_fill_the_next_execution_reads_nothing_from_the_database_before_its_own(
    funded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # as when its transaction commits
        execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "first")  # rules and fees cached too

    with CaptureQueriesContext(connection) as queries:
        execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "k2")

    statements = [query["sql"] for query in queries.captured_queries if not query["sql"].startswith("SAVEPOINT")]
    assert statements[0].startswith('INSERT INTO "paper_paperexecution"'), statements[:3]


def test_a_balance_set_refreshes_the_entry_and_a_fill_invalidates_it(funded):
    before = active_user(funded)
    set_balance(funded, "bybit", "USDT", D("50"))

    assert active_user(funded).wallets["bybit", "USDT"].balance == D("50")
    with pytest.raises(InsufficientBalance, match=r"bybit USDT wallet holds less than the 2331\.68 this leg needs"):
        execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "k1")  # refused from the cache

    set_balance(funded, "bybit", "USDT", D("10000"))
    execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "k2")
    after = active_user(funded)
    assert after.version > before.version
    assert after.wallets["binance", "USDT"].balance == PaperWallet.objects.get(user=funded, exchange="binance").balance


def test_an_entry_loaded_before_a_change_but_stored_after_it_is_not_served(funded):
    outdated = active_user(funded)
    changed(funded.pk)  # a fill committed while `outdated` was being loaded elsewhere
    PaperWallet.objects.filter(user=funded, exchange="binance").update(balance=D("123"))
    cache.set(entry_key(funded.pk), outdated)  # ... and that load stored it last

    assert active_user(funded).wallets["binance", "USDT"].balance == D("123")
    assert active_user(funded).version == current_version(funded.pk)


def test_a_cached_balance_the_database_no_longer_has_still_cannot_overdraw(funded):
    active_user(funded)
    # Spent behind the cache's back: the entry still says 10,000.
    PaperWallet.objects.filter(user=funded, exchange="binance").update(balance=D("100"))
    assert active_user(funded).wallets["binance", "USDT"].balance == D("10000")

    with pytest.raises(InsufficientBalance, match="binance USDT wallet holds less"):
        execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "k1")

    assert PaperExecution.objects.count() == 0
    assert PaperWallet.objects.get(user=funded, exchange="binance").balance == D("100")
    assert PaperWallet.objects.get(user=funded, exchange="bybit").balance == D("10000")


def test_a_retried_key_gets_its_first_execution_even_when_the_books_now_refuse(funded):
    first, _ = execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "same")
    quoted(make_quote("binance", INSTRUMENT, bid="2315.10", ask="2315.20", ts_ms=now_ms() - 60_000))  # stale now

    again, filled = execute_pair(funded, "binance", "bybit", INSTRUMENT, D("1"), "same")

    assert (again.pk, filled) == (first.pk, False)
    assert PaperExecution.objects.count() == 1


def test_limits_and_watched_instruments_saved_reach_the_entry(funded, as_user):
    assert active_user(funded).instruments == frozenset()
    limits = {"max_pair_notional": "1000", "max_exchange_notional": None}
    assert as_user(funded).put("/api/paper/limits", limits, format="json").status_code == 200
    watch_instrument(funded, "BTC/USDT:USDT")

    entry = active_user(funded)

    assert (entry.max_pair_notional, entry.instruments) == (D("1000"), frozenset({"BTC/USDT:USDT"}))
    answer = as_user(funded).post(
        "/api/paper/executions",
        {
            "buy_exchange": "binance",
            "sell_exchange": "bybit",
            "instrument": INSTRUMENT,
            "size_base": "1",
            "idempotency_key": "k1",
        },
        format="json",
    )
    assert answer.status_code == 409 and "above your limit of 1000 per pair" in answer.json()["detail"]
