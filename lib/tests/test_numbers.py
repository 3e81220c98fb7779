"""How the pages write numbers (static/js/format.js writes the same; tests/test_browser_pages.py
checks that the two agree in the browser)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lib.numbers import (
    format_bps,
    format_duration,
    format_money,
    format_pct,
    format_price,
    format_size,
    plain,
    tick_decimals,
)


@pytest.mark.parametrize(
    ("tick", "decimals"),
    [
        ("0.1", 1),
        ("0.100000000000", 1),
        ("0.0001", 4),
        ("0.5", 1),
        ("5", 0),
        ("1E+1", 0),
        ("0E-12", None),
        (None, None),
    ],
)
def test_tick_decimals(tick, decimals):
    assert tick_decimals(tick) == decimals


def test_prices_take_the_tick_precision_and_thousands_separators():
    assert format_price("43250.1", 1) == "43,250.1"
    assert format_price("43250", 1) == "43,250.0"
    assert format_price(Decimal("2316.640000000000"), 2) == "2,316.64"
    assert format_price("0.000123", 6) == "0.000123"
    assert format_price("-1234.5", 2) == "-1,234.50"


def test_a_price_without_a_known_tick_keeps_its_own_digits_and_no_trailing_zeros():
    assert format_price(Decimal("2316.640000000000")) == "2,316.64"
    assert format_price("43250.1") == "43,250.1"
    assert format_price("1.123456789123") == "1.12345679"  # at most 8 decimals
    assert format_price(None) == "" and format_price("") == "" and format_price("nan") == ""


def test_sizes_are_coins_to_four_significant_digits_never_28_of_them():
    assert format_size("0.0123456789012345678901234567", "BTC") == "0.01235 BTC"
    assert format_size("12.3456", "ETH") == "12.35 ETH"
    assert format_size("12345.678", "DOGE") == "12,346 DOGE"
    assert format_size("0.5000000000", "BTC") == "0.5 BTC"
    assert format_size("0", "BTC") == "0 BTC"
    assert format_size("0.000000001", "BTC") == "0 BTC"


def test_sizes_with_a_known_lot_are_rounded_down_to_it():
    # What could be traded: never more than the book holds, in whole lots, no trailing zeros.
    assert format_size("8.06699", "ETH", 3) == "8.066 ETH"
    assert format_size("0.0123456789012345678901234567", "BTC", 3) == "0.012 BTC"
    assert format_size("12345.678", "DOGE", 0) == "12,345 DOGE"
    assert format_size("38.10000", "ETH", 3) == "38.1 ETH"
    assert format_size("0.0004", "BTC", 3) == "0 BTC"  # under one lot
    assert format_size(Decimal("2.5"), "SOL", None) == "2.5 SOL"  # no lot known: significant digits


def test_spreads_in_pct_and_bps_with_fixed_decimals():
    assert format_pct("0.123456") == "0.123 %"
    assert format_pct("0.1") == "0.100 %"
    assert format_pct("-0.0001") == "0.000 %"  # never "-0.000"
    assert format_bps("0.123456") == "12.3 bps"
    assert format_bps("1") == "100.0 bps"


def test_money_with_its_currency():
    assert format_money("157.523456", "USDT") == "157.52 USDT"
    assert format_money("12345.6", "USD") == "12,345.60 USD"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (850, "850 ms"),
        (4_260, "4.2 s"),
        (192_000, "3 min 12 s"),
        (7_500_000, "2 h 5 min"),
        (3 * 86_400_000 + 4 * 3_600_000, "3 d 4 h"),
    ],
)
def test_durations_in_words(ms, text):
    assert format_duration(ms) == text


def test_plain_drops_trailing_zeros_and_never_writes_an_exponent():
    assert [str(plain(Decimal(text))) for text in ("2315.200000", "10000.000000000000", "0E-12", "-1.50")] == [
        "2315.2",
        "10000",
        "0",
        "-1.5",
    ]
