"""Paper trades from the pages: the ticket of an opportunity row, its fill or the reason
nothing was filled shown in place, a double submit filled once; the Paper page."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from paper.execution import set_balance
from paper.models import PaperExecution, PaperPosition, PaperWallet
from paper.tests.market import INSTRUMENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(alice):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    return alice


def ticket_form(key: str = "click-1", size: str = "1") -> dict:
    return {
        "buy_exchange": "binance",
        "sell_exchange": "bybit",
        "instrument": INSTRUMENT,
        "size_base": size,
        "idempotency_key": key,
    }


def test_the_ticket_defaults_to_the_executable_size_in_base_units_with_a_new_key_each_time(client, alice):
    client.force_login(alice)
    query = {
        "buy_exchange": "binance",
        "sell_exchange": "bybit",
        "buy_instrument": "1000PEPE/USDT:USDT",
        "sell_instrument": "1000PEPE/USDT:USDT",
        "size_coins": "2500000",  # coins: 2,500 units of 1000PEPE
    }
    first = client.get("/paper/ticket", query, headers={"HX-Request": "true"})
    second = client.get("/paper/ticket", query, headers={"HX-Request": "true"})

    assert first.status_code == 200
    assert 'name="size_base" min="0" step="any" value="2500"' in first.content.decode()
    keys = [response.context["key"] for response in (first, second)]
    assert keys[0] != keys[1]


def test_a_ticket_fills_both_legs_and_shows_the_fills(client, funded, market):
    client.force_login(funded)

    answer = client.post("/paper/execute", ticket_form(), headers={"HX-Request": "true"})

    assert answer.status_code == 201
    text = answer.content.decode()
    assert "Filled: execution" in text
    assert "<td>buy</td><td>binance</td><td>2315.2</td>" in text
    assert "<td>sell</td><td>bybit</td><td>2330.4</td>" in text
    assert text.count('<td class="priced-from">top of book</td>') == 2  # no depth cached in this market
    assert PaperExecution.objects.filter(user=funded).count() == 1


def test_a_double_submit_with_the_same_key_fills_once(client, funded, market):
    client.force_login(funded)

    first = client.post("/paper/execute", ticket_form("twice"), headers={"HX-Request": "true"})
    second = client.post("/paper/execute", ticket_form("twice"), headers={"HX-Request": "true"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert "Already filled with this key" in second.content.decode()
    assert PaperExecution.objects.count() == 1
    assert PaperPosition.objects.get(user=funded, exchange="binance").size_base == D("1")


def test_a_refused_trade_shows_the_reason_and_fills_nothing(client, alice, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("100"))
    client.force_login(alice)

    answer = client.post("/paper/execute", ticket_form(), headers={"HX-Request": "true"})

    assert answer.status_code == 409
    assert "Nothing filled: bybit USDT wallet holds less than the" in answer.content.decode()
    assert PaperExecution.objects.count() == 0
    assert PaperWallet.objects.get(user=alice, exchange="binance").balance == D("10000")


def test_the_execute_post_needs_the_csrf_token(alice, market):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/paper/execute", ticket_form()).status_code == 403
    assert PaperExecution.objects.count() == 0


def test_the_paper_page_shows_wallets_positions_and_a_pair_that_closes(client, funded, market):
    client.force_login(funded)
    client.post("/paper/execute", ticket_form("open"))

    page = client.get("/paper/")
    text = page.content.decode()
    assert page.status_code == 200
    assert [p["exchange"] for p in page.context["positions"]] == ["binance", "bybit"]
    assert D(page.context["positions"][0]["unrealised_pnl"]) == D("2315.15") - D("2315.20")
    [item] = page.context["pairs"]
    assert (item["pair"].long_exchange, item["pair"].short_exchange, item["pair"].size_base) == (
        "binance",
        "bybit",
        D("1"),
    )
    assert "Close pair" in text and text.count('class="fill"') == 2

    closing = {
        "buy_exchange": "bybit",
        "sell_exchange": "binance",
        "instrument": INSTRUMENT,
        "size_base": str(item["pair"].size_base),
        "idempotency_key": item["key"],
    }
    closed = client.post("/paper/close", closing, headers={"HX-Request": "true"})

    assert closed.status_code == 200 and "Pair closed" in closed.content.decode()
    assert "No open position." in closed.content.decode() and "Close pair" not in closed.content.decode()
    assert PaperExecution.objects.count() == 2


def test_a_wallet_is_set_from_the_page_and_a_bad_one_says_why(client, alice):
    client.force_login(alice)

    done = client.post("/paper/wallets", {"exchange": "Binance", "currency": "USDT", "balance": "2500"})
    bad = client.post("/paper/wallets", {"exchange": "nowhere", "currency": "USDT", "balance": "1"})

    assert done.status_code == 200 and "binance USDT set to 2500" in done.content.decode()
    assert bad.status_code == 400 and "exchange:" in bad.content.decode()
    assert list(PaperWallet.objects.filter(user=alice).values_list("exchange", "balance")) == [("binance", D("2500"))]


@pytest.mark.parametrize("size_coins", ["", "NaN", "-1", "Infinity", "abc"])
def test_a_ticket_without_a_usable_size_leaves_it_for_the_trader(client, alice, size_coins):
    client.force_login(alice)
    query = {"buy_exchange": "binance", "sell_exchange": "bybit", "buy_instrument": INSTRUMENT}
    ticket = client.get("/paper/ticket", {**query, "sell_instrument": INSTRUMENT, "size_coins": size_coins})

    assert ticket.status_code == 200
    assert 'name="size_base" min="0" step="any" value=""' in ticket.content.decode()


def test_a_pair_of_two_instruments_gets_no_fill_button(client, alice):
    client.force_login(alice)
    query = {"buy_exchange": "binance", "sell_exchange": "bybit", "size_coins": "1"}
    ticket = client.get("/paper/ticket", {**query, "buy_instrument": INSTRUMENT, "sell_instrument": "ETH/USD:USD"})

    assert "paper trades need one instrument on both legs" in ticket.content.decode()
    assert 'type="submit"' not in ticket.content.decode()
