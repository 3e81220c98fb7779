"""What each fill does to a position, with exact numbers along a scripted price path."""

from __future__ import annotations

from decimal import Decimal as D

from paper.positions import OpenPair, Position, apply_fill, equity, open_pairs


def test_a_long_built_in_two_fills_then_closed_in_two_realises_exactly():
    change = apply_fill(Position(), "buy", D("100"), D("2"))
    assert change.position == Position(D("2"), D("100"), D("0")) and change.margin_used == D("200")

    change = apply_fill(change.position, "buy", D("130"), D("1"))  # entry averages to 110
    assert change.position.entry_price == D("110") and change.position.size_base == D("3")
    assert change.position.unrealised_pnl(D("120")) == D("30")

    change = apply_fill(change.position, "sell", D("125"), D("1"))  # +15 on one
    assert (change.realised_pnl, change.margin_released) == (D("15"), D("110"))
    assert change.position == Position(D("2"), D("110"), D("15"))

    change = apply_fill(change.position, "sell", D("105"), D("2"))  # -10 on two
    assert (change.realised_pnl, change.margin_released) == (D("-10"), D("220"))
    assert change.position == Position(D("0"), D("0"), D("5"))


def test_a_short_gains_when_the_price_falls_and_a_fill_through_zero_opens_the_other_side():
    short = apply_fill(Position(), "sell", D("2330.40"), D("1.5")).position
    assert short.unrealised_pnl(D("2300.40")) == D("45.000")

    change = apply_fill(short, "buy", D("2300.40"), D("2"))  # closes 1.5, opens 0.5 long
    assert change.realised_pnl == D("45.000")
    assert change.margin_released == D("3495.600")
    assert change.margin_used == D("1150.200")
    assert change.position == Position(D("0.5"), D("2300.40"), D("45.000"))


def test_longs_and_shorts_of_one_instrument_pair_up_the_larger_leg_split():
    legs = [
        ("binance", "ETH/USDT:USDT", D("1.5")),
        ("bybit", "ETH/USDT:USDT", D("-1")),
        ("okx", "ETH/USDT:USDT", D("-0.5")),
        ("okx", "BTC/USDT:USDT", D("0.1")),  # nothing against it
    ]
    assert open_pairs(legs) == [
        OpenPair("ETH/USDT:USDT", "binance", "bybit", D("1")),
        OpenPair("ETH/USDT:USDT", "binance", "okx", D("0.5")),
    ]


def test_equity_is_the_balances_plus_each_position_at_its_mark_per_currency():
    long = Position(D("1"), D("2315.20"))
    short = Position(D("-1"), D("2330.40"))
    totals = equity(
        [("USDT", D("7683.6424")), ("USDT", D("7668.31828")), ("USDC", D("50"))],
        [("USDT", long, D("2315.15")), ("USDT", short, D("2330.45")), ("USDC", Position(D("2"), D("10")), None)],
    )
    # 20,000 less both fees (2.43932) less half the spread on each leg at the mid (0.10)
    assert totals == {"USDT": D("19997.46068"), "USDC": D("70")}
