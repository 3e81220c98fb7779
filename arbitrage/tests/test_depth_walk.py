"""The depth walk on fixed books: exact sizes, average prices and profits."""

from __future__ import annotations

from decimal import Decimal as D

from arbitrage.depth_walk import walk_books


def test_profit_peaks_before_the_books_run_out():
    asks = [(D("100"), D("1")), (D("100.2"), D("2")), (D("100.5"), D("5"))]
    bids = [(D("101"), D("1.5")), (D("100.6"), D("2")), (D("100.3"), D("5"))]
    fill = walk_books(asks, bids, D("0.05"), D("0.05"))
    # Coins 1 to 3 pay; the 4th (ask 100.5 x 1.0005 = 100.55025 > bid 100.6 x 0.9995 = 100.5497) does not.
    assert fill.size_base == D("3")
    assert fill.profit_quote == D("302.4") * D("0.9995") - D("300.4") * D("1.0005") == D("1.6986")
    assert fill.avg_buy_price == D("300.4") / 3
    assert fill.avg_sell_price == D("100.8")
    assert fill.buy_slippage_pct == (D("300.4") / 3 - 100) / 100 * 100
    assert fill.sell_slippage_pct == (D("101") - D("100.8")) / D("101") * 100
    assert fill.net_spread_pct == (D("100.8") * D("0.9995") - D("300.4") / 3 * D("1.0005")) / (D("300.4") / 3) * 100
    assert not fill.books_exhausted


def test_one_side_thin_stops_where_it_runs_out():
    asks = [(D("100"), D("1")), (D("100.1"), D("1"))]
    bids = [(D("102"), D("0.5"))]
    fill = walk_books(asks, bids, D("0"), D("0"))
    assert (fill.size_base, fill.profit_quote) == (D("0.5"), D("1.0"))
    assert (fill.avg_buy_price, fill.avg_sell_price) == (D("100"), D("102"))
    assert (fill.buy_slippage_pct, fill.sell_slippage_pct) == (0, 0)
    assert fill.net_spread_pct == 2
    assert fill.books_exhausted  # the next coin still paid: the book behind the top 10 may hold more


def test_fees_eat_the_gap_at_level_two():
    asks = [(D("100"), D("1")), (D("100.1"), D("5"))]
    bids = [(D("100.3"), D("2")), (D("100.25"), D("5"))]
    # Without fees all six asks sell; at 0.1 % each side the second ask costs 100.2001 and
    # sells for 100.1997.
    free = walk_books(asks, bids, D("0"), D("0"))
    assert (free.size_base, free.profit_quote) == (D("6"), D("1.10"))
    fill = walk_books(asks, bids, D("0.1"), D("0.1"))
    assert fill.size_base == D("1")
    assert fill.profit_quote == D("100.3") * D("0.999") - D("100") * D("1.001") == D("0.0997")
    assert (fill.avg_buy_price, fill.avg_sell_price) == (D("100"), D("100.3"))
    assert fill.net_spread_pct == D("0.0997")


def test_tops_that_do_not_pay_the_fees_give_size_zero_at_the_tops():
    fill = walk_books([(D("100"), D("1"))], [(D("100.1"), D("1"))], D("0.06"), D("0.06"))
    assert (fill.size_base, fill.profit_quote) == (0, 0)
    assert (fill.avg_buy_price, fill.avg_sell_price) == (D("100"), D("100.1"))
    assert fill.net_spread_pct == (D("100.1") * D("0.9994") - D("100") * D("1.0006")) / 100 * 100


def test_an_empty_side_gives_no_fill():
    assert walk_books([], [(D("1"), D("1"))], D("0"), D("0")) is None
    assert walk_books([(D("1"), D("1"))], [], D("0"), D("0")) is None
