"""A leg with a fresh book of levels walks it to the size and fills at the volume-weighted
average price; without one it fills at the top of book, and each fill says which."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from feeds.depth import Depth
from paper.fills import PRICED_FROM_DEPTH, PRICED_FROM_TOP, NotFillable, fill_pair, walk_levels
from paper.tests.test_fills import NOW_MS, book

ASKS = [(D("100"), D("1")), (D("101"), D("2")), (D("102"), D("5"))]  # 8 ETH
BIDS = [(D("110"), D("0.5")), (D("109"), D("1.5")), (D("108"), D("10"))]  # 12 ETH


def levels(exchange: str, bids=BIDS, asks=ASKS, age_ms: int = 100) -> Depth:
    recv_ms = NOW_MS - age_ms
    return Depth(exchange, "ETHUSDT", "ETH/USDT:USDT", bids, asks, recv_ms, recv_ms * 1_000_000)


def deep(exchange: str, bid: str, ask: str, depth: Depth | None, **kw):
    return replace(book(exchange, bid, ask, size="1", **kw), depth=depth)


def test_each_leg_walks_three_levels_at_the_exact_volume_weighted_price():
    buy, sell = fill_pair(
        deep("binance", "99", "100", levels("binance"), fee="0.05"),
        deep("bybit", "110", "111", levels("bybit"), fee="0.055"),
        D("4"),
        NOW_MS,
    )

    # 1 at 100 + 2 at 101 + 1 at 102 = 404; 0.5 at 110 + 1.5 at 109 + 2 at 108 = 434.5
    assert (buy.price, buy.size_base, buy.notional, buy.priced_from) == (D("101"), D("4"), D("404"), PRICED_FROM_DEPTH)
    assert buy.fee == D("0.2020")  # 404 × 0.05 %
    assert (sell.price, sell.notional, sell.priced_from) == (D("108.625"), D("434.5"), PRICED_FROM_DEPTH)
    assert sell.fee == D("0.2389750")  # 434.5 × 0.055 %


def test_the_walk_takes_a_whole_number_of_both_exchanges_steps():
    buy, sell = fill_pair(
        deep("binance", "99", "100", levels("binance"), lot="0.01"),
        deep("bybit", "110", "111", levels("bybit"), lot="0.05"),
        D("1.2749"),
        NOW_MS,
    )

    # 0.01 and 0.05: a 0.05 step, so 1.25; 1 at 100 + 0.25 at 101 = 125.25, 125.25 / 1.25 = 100.2
    assert (buy.size_base, buy.notional, buy.price) == (D("1.25"), D("125.25"), D("100.2"))
    # 0.5 at 110 + 0.75 at 109 = 136.75, / 1.25 = 109.4
    assert (sell.size_base, sell.notional, sell.price) == (D("1.25"), D("136.75"), D("109.4"))


def test_a_book_too_thin_for_the_size_fills_neither_leg():
    with pytest.raises(NotFillable, match=r"size 9 exceeds binance's asks \(8 ETH on 3 levels\)"):
        fill_pair(
            deep("binance", "99", "100", levels("binance")),
            deep("bybit", "110", "111", levels("bybit")),
            D("9"),
            NOW_MS,
        )


def test_a_book_older_than_a_quote_may_be_leaves_that_leg_at_the_top_of_book_labelled_so():
    stale = levels("bybit", age_ms=5001)  # the books' max age is 5,000 ms

    buy, sell = fill_pair(
        deep("binance", "99", "100", levels("binance")), deep("bybit", "110", "111", stale), D("0.5"), NOW_MS
    )

    assert (buy.price, buy.priced_from) == (D("100"), PRICED_FROM_DEPTH)
    assert (sell.price, sell.notional, sell.priced_from) == (D("110"), D("55.0"), PRICED_FROM_TOP)


def test_above_the_top_of_a_leg_without_a_fresh_book_nothing_fills_even_when_the_other_is_deep():
    with pytest.raises(NotFillable, match=r"exceeds the top of bybit's book \(1 ETH available; no fresh depth"):
        fill_pair(deep("binance", "99", "100", levels("binance")), deep("bybit", "110", "111", None), D("2"), NOW_MS)


def test_a_fresh_book_does_not_save_a_stale_quote():
    with pytest.raises(NotFillable, match=r"binance's ETH/USDT:USDT quote is 7\.2 s old"):
        fill_pair(
            deep("binance", "99", "100", levels("binance"), ts_ms=NOW_MS - 7200),
            deep("bybit", "110", "111", levels("bybit")),
            D("1"),
            NOW_MS,
        )


def test_an_empty_side_of_a_fresh_book_falls_back_to_the_top_of_book():
    buy, _ = fill_pair(
        deep("binance", "99", "100", levels("binance", asks=[])),
        deep("bybit", "110", "111", levels("bybit")),
        D("1"),
        NOW_MS,
    )

    assert (buy.price, buy.priced_from) == (D("100"), PRICED_FROM_TOP)


@pytest.mark.parametrize(
    ("size", "walked"),
    [("1", (D("100"), D("100"))), ("3", (D("302") / 3, D("302"))), ("8", (D("812") / 8, D("812"))), ("8.001", None)],
)
def test_walking_levels_up_to_all_they_hold(size, walked):
    assert walk_levels(ASKS, D(size)) == walked
