from __future__ import annotations

from decimal import Decimal

from arbitrage.messages import QuoteMessage
from arbitrage.pages import Column, matrix_columns, price_matrix
from arbitrage.read_model import MaxQuoteAges

NOW_MS = 1_700_000_010_000


def _quote(exchange: str, bid: str, ask: str, ts_ms: int, recv_ms: int | None = None) -> QuoteMessage:
    bid_, ask_ = Decimal(bid), Decimal(ask)
    return QuoteMessage(
        exchange,
        "BTCUSDT",
        "BTC/USDT:USDT",
        bid_,
        Decimal(1),
        ask_,
        Decimal(1),
        (bid_ + ask_) / 2,
        ts_ms,
        ts_ms,
        recv_ms or ts_ms + 5,
    )


def test_each_quote_is_greyed_by_its_own_exchange_max_age():
    quotes = {
        "BTC/USDT:USDT": {
            "binance": _quote("binance", "100", "101", NOW_MS - 3_000),
            "okx": _quote("okx", "102", "103", NOW_MS - 3_000),  # the best bid, but past okx's 2 s
            "bybit": _quote("bybit", "99", "100.5", NOW_MS - 9_000),
        }
    }
    columns = [Column("binance", 5_000), Column("bybit", 60_000), Column("okx", 2_000)]

    [row] = price_matrix(quotes, columns, set(), NOW_MS)

    cells = {cell.exchange: cell for cell in row.cells}
    assert (cells["binance"].stale, cells["bybit"].stale, cells["okx"].stale) == (False, False, True)
    assert cells["okx"].age_ms == 3_000
    assert cells["binance"].best_bid and cells["bybit"].best_ask and not cells["okx"].best_bid
    assert row.spread_pct == Decimal("-0.497512")  # (100 − 100.5) / 100.5, fresh quotes only


def test_a_quote_ages_from_the_exchange_time_not_from_when_it_arrived():
    quotes = {"ETH/USDT:USDT": {"binance": _quote("binance", "10", "11", NOW_MS - 6_000, recv_ms=NOW_MS - 10)}}

    [row] = price_matrix(quotes, [Column("binance", 5_000)], set(), NOW_MS)

    assert row.cells[0].stale and row.cells[0].age_ms == 6_000
    assert row.spread_pct is None


def test_an_exchange_without_a_setting_gets_the_default_max_age():
    columns = matrix_columns(["binance", "newex"], MaxQuoteAges({"binance": 2_500}, default_ms=5_000))
    assert columns == [Column("binance", 2_500), Column("newex", 5_000)]


def test_each_row_has_its_best_net_spread_of_two_exchanges_after_fees():
    quotes = {
        "BTC/USDT:USDT": {
            "binance": _quote("binance", "99.9", "100", NOW_MS),
            "bybit": _quote("bybit", "100.5", "100.6", NOW_MS),
            "okx": _quote("okx", "101", "101.1", NOW_MS - 9_000),  # stale: out of the pairs
        }
    }
    columns = matrix_columns(
        ["binance", "bybit", "okx"],
        MaxQuoteAges({"okx": 2_000}, default_ms=5_000),
        taker_fees_pct={"binance": Decimal("0.05"), "bybit": Decimal("0.1")},
    )
    assert columns[2].taker_fee_pct == Decimal("0.06")  # none on record: the engine's default

    [row] = price_matrix(quotes, columns, set(), NOW_MS)

    # Buy binance at 100 × 1.0005, sell bybit at 100.5 × 0.999: (100.3995 − 100.05) / 100
    assert (row.net.buy_exchange, row.net.sell_exchange) == ("binance", "bybit")
    assert row.net.net_spread_pct == Decimal("0.3495")


def test_one_exchange_has_no_net_spread_and_a_paying_pair_needs_two():
    quotes = {"BTC/USDT:USDT": {"binance": _quote("binance", "101", "100", NOW_MS)}}  # crossed on itself
    [row] = price_matrix(quotes, matrix_columns(["binance"], MaxQuoteAges({}, 5_000)), set(), NOW_MS)
    assert row.net is None


def test_the_best_net_pair_says_what_both_tops_of_book_hold_at_the_lot():
    def quote(exchange, bid, bid_size, ask, ask_size):
        return QuoteMessage(
            exchange,
            "ETHUSDT",
            "ETH/USDT:USDT",
            Decimal(bid),
            Decimal(bid_size),
            Decimal(ask),
            Decimal(ask_size),
            Decimal(bid),
            NOW_MS,
            NOW_MS,
            NOW_MS,
        )

    quotes = {
        "ETH/USDT:USDT": {
            "binance": quote("binance", "99.9", "50", "100", "3.14159"),  # buy here: 3.14159 at the ask
            "bybit": quote("bybit", "101", "7.5", "101.1", "1"),  # sell here: 7.5 at the bid
        }
    }
    columns = [Column("binance", 5_000), Column("bybit", 5_000)]

    [row] = price_matrix(quotes, columns, set(), NOW_MS, {"ETH/USDT:USDT": 2}, {"ETH/USDT:USDT": 3})

    assert (row.net.buy_exchange, row.net.sell_exchange) == ("binance", "bybit")
    assert row.net_size_base == Decimal("3.14159")
    assert (row.coin, row.size_decimals) == ("ETH", 3)
