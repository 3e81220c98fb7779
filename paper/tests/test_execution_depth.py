"""Executions through the API against the books the engine caches: each leg walks its fresh
book, or fills at the top of book where none is known, and the fill says which."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from asgiref.sync import async_to_sync

from arbitrage.quote_cache import write_depth
from feeds.depth import Depth
from lib.clock import now_ms
from paper.execution import set_balance
from paper.models import PaperExecution, PaperWallet
from paper.tests.market import INSTRUMENT
from paper.tests.test_execution import order

pytestmark = pytest.mark.django_db

# The market fixture quotes binance 2315.10/2315.20 and bybit 2330.40/2330.50, 5 ETH each.
BINANCE_ASKS = [(D("2315.20"), D("1")), (D("2315.40"), D("2")), (D("2316.00"), D("4"))]
BYBIT_BIDS = [(D("2330.40"), D("0.5")), (D("2330.00"), D("1.5")), (D("2329.50"), D("3"))]


def cached_book(exchange: str, bids, asks, age_ms: int = 0) -> None:
    recv_ms = now_ms() - age_ms
    async_to_sync(write_depth)([Depth(exchange, "ETHUSDT", INSTRUMENT, bids, asks, recv_ms, recv_ms * 1_000_000)])


@pytest.fixture
def funded(alice, market):
    set_balance(alice, "binance", "USDT", D("100000"))
    set_balance(alice, "bybit", "USDT", D("100000"))


def test_both_legs_walk_the_cached_books_and_the_wallets_pay_the_walked_notional(alice, as_user, funded):
    cached_book("binance", [(D("2315.10"), D("5"))], BINANCE_ASKS)
    cached_book("bybit", BYBIT_BIDS, [(D("2330.50"), D("5"))])

    answer = as_user(alice).post("/api/paper/executions", order(size="4"), format="json")

    assert answer.status_code == 201, answer.content
    fills = {fill["side"]: fill for fill in answer.json()["fills"]}
    # 1 × 2315.20 + 2 × 2315.40 + 1 × 2316.00 = 9262.00, 9262 / 4 = 2315.50
    assert (D(fills["buy"]["price"]), D(fills["buy"]["notional"])) == (D("2315.50"), D("9262.00"))
    # 0.5 × 2330.40 + 1.5 × 2330.00 + 2 × 2329.50 = 9319.20, / 4 = 2329.80
    assert (D(fills["sell"]["price"]), D(fills["sell"]["notional"])) == (D("2329.80"), D("9319.20"))
    assert fills["buy"]["priced_from"] == fills["sell"]["priced_from"] == "depth"
    balances = dict(PaperWallet.objects.filter(user=alice).values_list("exchange", "balance"))
    assert balances["binance"] == D("100000") - D("9262.00") - D("9262.00") * D("0.05") / 100
    assert balances["bybit"] == D("100000") - D("9319.20") - D("9319.20") * D("0.055") / 100


def test_a_size_the_cached_book_cannot_hold_fills_nothing(alice, as_user, funded):
    cached_book("binance", [(D("2315.10"), D("5"))], BINANCE_ASKS)  # 7 ETH of asks

    answer = as_user(alice).post("/api/paper/executions", order(size="7.5"), format="json")

    assert answer.status_code == 409
    assert answer.json()["detail"] == "size 7.5 exceeds binance's asks (7 ETH on 3 levels)"
    assert PaperExecution.objects.count() == 0
    assert PaperWallet.objects.get(user=alice, exchange="binance").balance == D("100000")


def test_stale_or_unknown_depth_fills_at_the_top_of_book_labelled_so(alice, as_user, funded):
    cached_book("binance", [(D("2315.10"), D("5"))], BINANCE_ASKS, age_ms=60_000)  # bybit: no book at all

    answer = as_user(alice).post("/api/paper/executions", order(size="2"), format="json")

    assert answer.status_code == 201, answer.content
    fills = {fill["side"]: fill for fill in answer.json()["fills"]}
    assert (D(fills["buy"]["price"]), fills["buy"]["priced_from"]) == (D("2315.20"), "top_of_book")
    assert (D(fills["sell"]["price"]), fills["sell"]["priced_from"]) == (D("2330.40"), "top_of_book")
    listed = as_user(alice).get("/api/paper/executions").json()
    assert {fill["priced_from"] for fill in listed[0]["fills"]} == {"top_of_book"}
