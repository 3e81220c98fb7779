"""Paper executions through the API: both legs or neither, own wallets only, never twice,
never overdrawn (the database refuses it, also under concurrent executions)."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.db import connections

from arbitrage.tests.factories import make_quote
from lib.clock import now_ms
from paper.execution import InsufficientBalance, execute_pair, set_balance
from paper.models import PaperExecution, PaperWallet
from paper.tests.market import INSTRUMENT, quoted

pytestmark = pytest.mark.django_db


def order(key: str = "k1", size: str = "1") -> dict:
    return {
        "buy_exchange": "binance",
        "sell_exchange": "bybit",
        "instrument": "ETH-USDT-USDT",  # any form the market endpoints take
        "size_base": size,
        "idempotency_key": key,
    }


def test_an_execution_fills_both_legs_and_debits_both_wallets(alice, as_user, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))

    answer = as_user(alice).post("/api/paper/executions", order(), format="json")

    assert answer.status_code == 201, answer.content
    fills = {fill["side"]: fill for fill in answer.json()["fills"]}
    assert (fills["buy"]["exchange"], D(fills["buy"]["price"])) == ("binance", D("2315.20"))
    assert (fills["sell"]["exchange"], D(fills["sell"]["price"])) == ("bybit", D("2330.40"))
    balances = dict(PaperWallet.objects.filter(user=alice).values_list("exchange", "balance"))
    # Each leg ties up its notional and its exchange's taker fee (the seeded default tiers).
    assert D(fills["buy"]["fee"]) == D("2315.20") * D("0.05") / 100
    assert D(fills["sell"]["fee"]) == D("2330.40") * D("0.055") / 100
    assert balances["binance"] == D("10000") - D("2315.20") - D(fills["buy"]["fee"])
    assert balances["bybit"] == D("10000") - D("2330.40") - D(fills["sell"]["fee"])


def test_a_user_with_fees_of_their_own_pays_them(alice, as_user, market):
    from accounts.trading import save_trading_settings

    save_trading_settings(alice, fees={"binance": {"taker_fee_pct": "0.02"}})  # bybit: the admin's 0.055 %
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))

    answer = as_user(alice).post("/api/paper/executions", order(), format="json")

    fills = {fill["side"]: fill for fill in answer.json()["fills"]}
    assert D(fills["buy"]["fee"]) == D("2315.20") * D("0.02") / 100  # 0.46304
    assert D(fills["sell"]["fee"]) == D("2330.40") * D("0.055") / 100


def test_a_retried_key_returns_the_first_execution_and_fills_nothing_more(alice, as_user, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    client = as_user(alice)

    first = client.post("/api/paper/executions", order("same"), format="json")
    again = client.post("/api/paper/executions", order("same"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert PaperExecution.objects.count() == 1


def test_one_poor_wallet_fills_neither_leg(alice, as_user, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("100"))  # the short leg needs ~2,332

    answer = as_user(alice).post("/api/paper/executions", order(), format="json")

    assert answer.status_code == 409
    assert "bybit USDT wallet holds less" in answer.json()["detail"]
    assert PaperExecution.objects.count() == 0
    assert PaperWallet.objects.get(user=alice, exchange="binance").balance == D("10000")  # rolled back


def test_a_stale_leg_fills_nothing(alice, as_user):
    quoted(
        make_quote("binance", INSTRUMENT, bid="2315.10", ask="2315.20", ts_ms=now_ms() - 60_000),
        make_quote("bybit", INSTRUMENT, bid="2330.40", ask="2330.50", ts_ms=now_ms()),
    )
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))

    answer = as_user(alice).post("/api/paper/executions", order(), format="json")

    assert answer.status_code == 409 and "quote is 60" in answer.json()["detail"]
    assert PaperExecution.objects.count() == 0


def test_wallets_are_each_users_own(alice, bob, as_user):
    set_balance(bob, "binance", "USDT", D("5"))
    client = as_user(alice)

    put = client.put("/api/paper/wallets", {"exchange": "Binance", "currency": "USDT", "balance": "250"}, format="json")
    listed = client.get("/api/paper/wallets")

    assert put.status_code == 200
    assert listed.json() == [{"exchange": "binance", "currency": "USDT", "balance": "250.000000000000"}]
    assert client.get("/api/paper/executions").json() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_executions_never_overdraw_a_wallet(alice, market, postgres_url):
    set_balance(alice, "binance", "USDT", D("7000"))  # enough for three 1-ETH longs at 2,315.20 + fee
    set_balance(alice, "bybit", "USDT", D("100000"))
    racers = 8
    start = threading.Barrier(racers, timeout=10)
    outcomes: list[str] = []

    def execute(number: int) -> None:
        try:
            start.wait()
            execute_pair(alice, "binance", "bybit", INSTRUMENT, D("1"), f"race-{number}")
            outcomes.append("filled")
        except InsufficientBalance:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["filled"] * 3 + ["refused"] * 5
    assert PaperWallet.objects.get(user=alice, exchange="binance").balance >= 0
    assert PaperExecution.objects.filter(user=alice).count() == 3


def test_the_reverse_pair_closes_both_positions_and_the_wallets_get_margin_and_pnl_back(alice, as_user, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    client = as_user(alice)
    assert client.post("/api/paper/executions", order("open"), format="json").status_code == 201
    opened = {p["exchange"]: p for p in client.get("/api/paper/positions").json()}
    assert (D(opened["binance"]["size_base"]), D(opened["bybit"]["size_base"])) == (D("1"), D("-1"))
    assert D(opened["binance"]["unrealised_pnl"]) == D("2315.15") - D("2315.20")  # marked at the mid

    at = now_ms()  # the gap closed: binance rose, bybit fell
    quoted(
        make_quote("binance", INSTRUMENT, bid="2325.00", ask="2325.10", size="5", ts_ms=at),
        make_quote("bybit", INSTRUMENT, bid="2324.90", ask="2325.00", size="5", ts_ms=at),
    )
    closing = {**order("close"), "buy_exchange": "bybit", "sell_exchange": "binance"}
    assert client.post("/api/paper/executions", closing, format="json").status_code == 201

    assert client.get("/api/paper/positions").json() == []
    balances = dict(PaperWallet.objects.filter(user=alice).values_list("exchange", "balance"))
    fee = D("0.05") / 100  # binance's seeded taker fee
    fee_bybit = D("0.055") / 100
    # binance: long 1 at 2315.20, sold at 2325.00: +9.80, two fees
    assert balances["binance"] == D("10000") + D("9.80") - D("2315.20") * fee - D("2325.00") * fee
    # bybit: short 1 at 2330.40, bought back at 2325.00: +5.40, two fees
    assert balances["bybit"] == D("10000") + D("5.40") - D("2330.40") * fee_bybit - D("2325.00") * fee_bybit


def test_sizing_limits_per_pair_and_per_exchange_refuse_what_would_exceed_them(alice, as_user, market):
    set_balance(alice, "binance", "USDT", D("100000"))
    set_balance(alice, "bybit", "USDT", D("100000"))
    client = as_user(alice)
    limits = {"max_pair_notional": "3000", "max_exchange_notional": "5000"}
    assert client.put("/api/paper/limits", limits, format="json").status_code == 200

    too_big = client.post("/api/paper/executions", order("big", size="1.5"), format="json")
    first = client.post("/api/paper/executions", order("first"), format="json")
    second = client.post("/api/paper/executions", order("second"), format="json")
    third = client.post("/api/paper/executions", order("third"), format="json")

    assert too_big.status_code == 409 and "per pair" in too_big.json()["detail"]
    assert (first.status_code, second.status_code) == (201, 201)  # 2 × ~2,330 on bybit: 4,660
    assert third.status_code == 409 and "per exchange" in third.json()["detail"]
    assert PaperExecution.objects.count() == 2
    assert PaperWallet.objects.get(user=alice, exchange="binance").balance > D("100000") - 2 * D("2316.5")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"state": "backoff", "connected_since_ms": None}, "bybit's feed is disconnected (backoff)"),
        (
            {"state": "connected", "connected_since_ms": "a minute from now"},
            "bybit's feed reconnected since its last quote",
        ),
    ],
)
def test_a_leg_whose_feed_went_down_fills_nothing_while_its_quote_is_still_young(
    alice, as_user, market, status, reason
):
    from django.core.cache import cache

    from feeds.status import status_key

    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    if status["connected_since_ms"] == "a minute from now":  # at run time, not at collection
        status = {**status, "connected_since_ms": now_ms() + 60_000}
    cache.set(status_key("bybit"), status)
    try:
        answer = as_user(alice).post("/api/paper/executions", order(), format="json")
    finally:
        cache.delete(status_key("bybit"))

    assert answer.status_code == 409 and answer.json()["detail"] == reason
    assert PaperExecution.objects.count() == 0
    assert set(PaperWallet.objects.filter(user=alice).values_list("balance", flat=True)) == {D("10000")}
