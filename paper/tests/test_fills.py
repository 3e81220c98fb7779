"""Both legs filled at the books' prices with exact numbers, or refused saying why."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from paper.fills import Book, NotFillable, common_lot, fill_pair

NOW_MS = 1_000_000


def book(exchange: str, bid: str, ask: str, size: str = "5", lot: str = "0.001", fee: str = "0.05", **kw) -> Book:
    return Book(
        exchange=exchange,
        instrument=kw.get("instrument", "ETH/USDT:USDT"),
        bid=D(bid),
        ask=D(ask),
        bid_size=D(size),
        ask_size=D(size),
        ts_ms=kw.get("ts_ms", NOW_MS - 100),
        recv_ms=kw.get("recv_ms", NOW_MS - 95),
        lot_base=D(lot),
        taker_fee_pct=D(fee),
        max_age_ms=5000,
    )


def test_long_at_the_ask_short_at_the_bid_with_each_exchange_fee_and_size_rounded_down_to_the_lot():
    buy, sell = fill_pair(
        book("binance", "2315.10", "2315.20", lot="0.001", fee="0.05"),
        book("bybit", "2330.40", "2330.50", lot="0.01", fee="0.055"),
        D("1.2345"),
        NOW_MS,
    )
    assert (buy.side, buy.price, buy.size_base) == ("buy", D("2315.20"), D("1.23"))
    assert buy.notional == D("2847.696") and buy.fee == D("1.423848")
    assert (sell.side, sell.price, sell.size_base) == ("sell", D("2330.40"), D("1.23"))
    assert sell.notional == D("2866.392") and sell.fee == D("1.5765156")
    assert buy.currency == sell.currency == "USDT"


@pytest.mark.parametrize(
    ("buy", "sell", "size", "why"),
    [
        (
            book("binance", "1", "1.1", ts_ms=NOW_MS - 7200),
            book("bybit", "2", "2.1"),
            "1",
            "binance's ETH/USDT:USDT quote is 7.2 s old",
        ),
        (  # an exchange clock a minute ahead: the quote ages from its arrival, as on the pages
            book("binance", "1", "1.1", ts_ms=NOW_MS + 60_000, recv_ms=NOW_MS - 6_000),
            book("bybit", "2", "2.1"),
            "1",
            "binance's ETH/USDT:USDT quote is 6.0 s old",
        ),
        (
            book("binance", "1", "1.1"),
            book("bybit", "2.2", "2.1"),
            "1",
            "bybit's ETH/USDT:USDT book is empty or crossed",
        ),
        (
            book("binance", "1", "1.1"),
            book("bybit", "2", "2.1"),
            "6",
            "exceeds the top of the books (5 available on both)",
        ),
        (book("binance", "1", "1.1"), book("bybit", "2", "2.1"), "0.0001", "below one lot (0.001 ETH)"),
        (book("binance", "1", "1.1", instrument="BTC/USD:BTC"), book("bybit", "2", "2.1"), "1", "inverse contract"),
    ],
)
def test_nothing_is_filled_when_a_leg_cannot_be(buy, sell, size, why):
    with pytest.raises(NotFillable, match=why.replace("(", r"\(").replace(")", r"\)")):
        fill_pair(buy, sell, D(size), NOW_MS)


@pytest.mark.parametrize(
    ("first", "second", "common"),
    [("0.001", "0.01", "0.01"), ("0.001", "0.001", "0.001"), ("0.002", "0.003", "0.006"), ("1", "0.5", "1")],
)
def test_both_legs_fill_a_whole_number_of_each_exchanges_step(first, second, common):
    assert common_lot(D(first), D(second)) == D(common)


def test_a_size_between_one_step_and_an_exchanges_minimum_is_refused():
    with pytest.raises(NotFillable, match=r"below bybit's smallest order \(0\.01 ETH\)"):
        fill_pair(
            book("binance", "1", "1.1"), replace(book("bybit", "2", "2.1"), min_base=D("0.01")), D("0.005"), NOW_MS
        )
