"""The kept order book every snapshot-and-deltas connector shares (feeds/exchanges/levels.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from feeds.exchanges.levels import Book, decimal_levels, kept_books, merged
from feeds.types import FrameError


def test_levels_set_sizes_and_size_zero_deletes():
    book = Book()
    assert book.apply([(D("99"), D("1")), (D("98"), D("2"))], [(D("101"), D("3"))], "x") == (D(99), 1, D(101), 3)
    assert book.apply([(D("99"), D("0"))], [(D("100.5"), D("4"))], "x") == (D(98), 2, D("100.5"), 4)
    assert book.bids == {D(98): D(2)}


def test_a_book_with_an_empty_side_gives_no_top():
    book = Book()
    assert book.apply([(D("99"), D("1"))], [], "x") is None
    assert book.apply([], [(D("101"), D("1"))], "x") == (D(99), 1, D(101), 1)
    assert book.apply([(D("99"), D("0"))], [], "x") is None


@pytest.mark.parametrize("level", [(D("NaN"), D(1)), (D(1), D("Infinity")), (D(0), D(1)), (D(1), D(-1)), (-5, 1)])
def test_a_bad_level_raises_and_leaves_the_book_as_it_was(level):
    book = Book()
    book.apply([(D("99"), D("1"))], [(D("101"), D("1"))], "x")
    with pytest.raises(FrameError, match="x: bad book level"):
        book.apply([(D("98"), D("5"))], [level], "x")
    assert (book.bids, book.asks) == ({D(99): D(1)}, {D(101): D(1)})


def test_scaled_integer_levels_are_kept_as_they_are():
    assert Book().apply([(432501000, 18995)], [(432502000, 19609)], "x") == (432501000, 18995, 432502000, 19609)


def test_a_depth_window_keeps_only_the_best_levels():
    side = {D(99): D(1), D(98): D(1)}
    assert merged(side, [(D(97), D(1))], "x", depth=2, highest_first=True) == {D(99): D(1), D(98): D(1)}
    assert merged(side, [(D(100), D(1))], "x", depth=1, highest_first=True) == {D(100): D(1)}
    assert merged(side, [(D(97), D(1))], "x", depth=1, highest_first=False) == {D(97): D(1)}
    assert side == {D(99): D(1), D(98): D(1)}  # the kept side itself is never changed


def test_books_are_kept_per_connection_state():
    state: dict = {}
    kept_books(state, "x_books")["BTC"] = book = Book()
    assert kept_books(state, "x_books") == {"BTC": book}
    assert kept_books(None, "x_books") == {}


def test_decimal_levels_reads_strings_and_integers_exactly_and_ignores_what_follows_the_size():
    # OKX [price, size, "0", orders], KuCoin [price, integer lots], Bitget [price, size].
    levels = [["43250.1", "256.5", "0", "12"], ["89778.6", 1534], ["0.00001234", "1e3"]]
    assert decimal_levels(levels) == [(D("43250.1"), D("256.5")), (D("89778.6"), D(1534)), (D("0.00001234"), D(1000))]
    assert decimal_levels([]) == []
