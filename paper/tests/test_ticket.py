"""The ticket's suggested size: the opportunity's depth walk's most profitable size where both
books are known, labelled so; the size at both tops of book only where depth is unknown; in
whole order steps of both legs."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from arbitrage.engine import Engine, ExchangeConfig
from arbitrage.tests.factories import make_quote
from feeds.depth import Depth
from lib.clock import now_ms
from paper.ticket import SIZE_FROM_DEPTH, SIZE_FROM_TOP, suggested_size

pytestmark = pytest.mark.django_db

INSTRUMENT = "BTC/USDT:USDT"
FEES = ExchangeConfig({"binance": D("0.05"), "bybit": D("0.05")}, {"binance": 5000, "bybit": 5000})
ASKS = [(D("100"), D("1")), (D("100.2"), D("2")), (D("100.5"), D("5"))]
BIDS = [(D("101"), D("1.5")), (D("100.6"), D("2")), (D("100.3"), D("5"))]


def offer(top_size: str, depth_size: str | None = None) -> SimpleNamespace:
    """What suggested_size reads of an open opportunity: its top-of-book size and its walk's."""
    depth = None if depth_size is None else SimpleNamespace(size_base=D(depth_size))
    return SimpleNamespace(size_base=D(top_size), depth=depth)


PAIR = {"buy_exchange": "binance", "sell_exchange": "bybit", "instrument": INSTRUMENT}


def open_pair(with_depth: bool) -> None:
    """Buy on Binance at 100, sell on Bybit at 101 (1 coin at the tops); the books below walk to
    3 coins at the admin's 0.05 % a leg (arbitrage/tests/test_engine_depth.py)."""
    at = now_ms()
    engine = Engine(get_channel_layer(), fanout_interval_ms=100, config=FEES)
    engine.on_quotes([make_quote("binance", INSTRUMENT, bid="99.9", ask="100", size="1", ts_ms=at)], at_ms=at)
    engine.on_quotes([make_quote("bybit", INSTRUMENT, bid="101", ask="101.1", size="1.5", ts_ms=at)], at_ms=at)
    if with_depth:
        engine.on_depth(
            [
                Depth("binance", "BTCUSDT", INSTRUMENT, [(D("99.9"), D("1"))], ASKS, at, at * 1_000_000),
                Depth("bybit", "BTCUSDT", INSTRUMENT, BIDS, [(D("101.1"), D("1"))], at, at * 1_000_000),
            ]
        )
    async_to_sync(engine.fan_out)()


def test_with_both_books_known_the_api_suggests_the_walks_size_labelled_depth(as_user, alice):
    open_pair(with_depth=True)

    answer = as_user(alice).get("/api/paper/ticket", PAIR)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["size_base"], body["size_from"]) == ("3.000000000000", "depth")  # not the 1 at the tops
    assert len(body["idempotency_key"]) == 32


def test_without_depth_the_api_suggests_the_top_of_book_size_labelled_so(as_user, alice):
    open_pair(with_depth=False)

    body = as_user(alice).get("/api/paper/ticket", PAIR).json()

    assert (body["size_base"], body["size_from"]) == ("1.000000000000", "top_of_book")


def test_a_pair_not_open_has_no_size_to_suggest(as_user, alice):
    open_pair(with_depth=False)

    body = as_user(alice).get("/api/paper/ticket", {**PAIR, "buy_exchange": "bybit", "sell_exchange": "binance"}).json()

    assert (body["size_base"], body["size_from"]) == (None, "top_of_book")


def test_the_page_ticket_suggests_the_walks_size_over_the_rows_top_of_book_size(client, alice):
    open_pair(with_depth=True)
    client.force_login(alice)
    query = {**PAIR, "buy_instrument": INSTRUMENT, "sell_instrument": INSTRUMENT, "size_coins": "1"}

    text = client.get("/paper/ticket", query, headers={"HX-Request": "true"}).content.decode()

    assert 'name="size_base" min="0" step="any" value="3"' in text
    assert "the most profitable size walking both books (depth)" in text


def test_the_suggestion_is_rounded_down_to_both_legs_steps_in_base_units():
    opportunity = offer("1", "2.34567")
    assert suggested_size(opportunity, INSTRUMENT, D("0.01")) == suggested_size(
        offer("9", "2.349"), INSTRUMENT, D("0.01")
    )
    assert suggested_size(opportunity, INSTRUMENT, D("0.01")).size_base == D("2.34")
    assert suggested_size(opportunity, INSTRUMENT, D("0.01")).size_from == SIZE_FROM_DEPTH
    # 1000PEPE: 2,345,670 coins are 2,345.67 units of 1000 PEPE, 2,345 in whole units.
    pepe = suggested_size(offer("1", "2345670"), "1000PEPE/USDT:USDT", D("1"))
    assert pepe.size_base == D("2345")
    top = suggested_size(offer("0.5"), INSTRUMENT, D("0.1"))
    assert (top.size_base, top.size_from) == (D("0.5"), SIZE_FROM_TOP)
    # No size pays both fees at the depth walk, or one step is more than there is: none to suggest.
    assert suggested_size(offer("1", "0"), INSTRUMENT, D("0.1")).size_base is None
    assert suggested_size(offer("0.05"), INSTRUMENT, D("0.1")).size_base is None
