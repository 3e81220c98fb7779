"""A funding event's payment per position, exact, and the size held at its time."""

from __future__ import annotations

from decimal import Decimal as D

from paper.funding import funding_amount, size_at


def test_a_long_pays_and_a_short_earns_a_positive_rate_on_the_notional_at_mark():
    assert funding_amount(D("0.93"), D("43250.15"), D("0.0001")) == D("-4.022263950")
    assert funding_amount(D("-0.93"), D("43250.15"), D("0.0001")) == D("4.022263950")


def test_a_negative_rate_pays_the_long():
    assert funding_amount(D("2"), D("2300.5"), D("-0.00025")) == D("1.150250")


def test_the_size_held_counts_fills_up_to_the_funding_time_only():
    fills = [(1_000, "buy", D("1")), (2_000, "sell", D("0.4")), (3_000, "buy", D("5"))]
    assert size_at(fills, 999) == 0
    assert size_at(fills, 2_000) == D("0.6")
    assert size_at(fills, 2_999) == D("0.6")
