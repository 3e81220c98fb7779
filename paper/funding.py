"""What a funding event pays or charges a paper position. Pure, exact Decimal.

A funding rate is a fraction of the position's notional at the mark, paid at each funding
event by longs to shorts when positive (shorts to longs when negative). Only what is held at
the funding time counts: the size then is the sum of the position's fills up to that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

ZERO = Decimal(0)


def funding_amount(size_base: Decimal, mark_price: Decimal, rate: Decimal) -> Decimal:
    """What the position receives (> 0) or pays (< 0): a long pays rate × notional when the
    rate is positive, a short earns it."""
    return -(size_base * mark_price * rate)


def size_at(fills: Iterable[tuple[int, str, Decimal]], at_ms: int) -> Decimal:
    """The signed size held at `at_ms`, from (executed_ms, side, size_base) fills: those up to
    and including that millisecond count."""
    return sum(
        (size if side == "buy" else -size for executed_ms, side, size in fills if executed_ms <= at_ms),
        ZERO,
    )
