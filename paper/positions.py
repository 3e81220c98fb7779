"""A paper position per exchange and instrument, and what a fill does to it. Pure.

Sizes are signed (long > 0, short < 0). Adding to a position averages its entry price;
reducing it realises PnL on the part closed at the entry price; going through zero closes
the old side and opens the new one at the fill price. Margin is 1x: opening ties up the
notional at entry, closing releases the entry notional of the part closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Position:
    size_base: Decimal = ZERO  # signed
    entry_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO  # settle currency, fees not included

    def unrealised_pnl(self, mark: Decimal) -> Decimal:
        return (mark - self.entry_price) * self.size_base


@dataclass(frozen=True)
class Change:
    position: Position
    realised_pnl: Decimal  # by this fill
    margin_released: Decimal  # entry notional of the part closed
    margin_used: Decimal  # notional of the part opened


def apply_fill(position: Position, side: str, price: Decimal, size_base: Decimal) -> Change:
    signed = size_base if side == "buy" else -size_base
    held = position.size_base
    if held == 0 or (held > 0) == (signed > 0):  # opening or adding
        size = held + signed
        entry = (position.entry_price * abs(held) + price * size_base) / abs(size)
        return Change(Position(size, entry, position.realised_pnl), ZERO, ZERO, price * size_base)
    closed = min(abs(held), size_base)
    direction = 1 if held > 0 else -1
    realised = (price - position.entry_price) * closed * direction
    released = position.entry_price * closed
    left = held + signed
    if left == 0:
        after = Position(ZERO, ZERO, position.realised_pnl + realised)
        return Change(after, realised, released, ZERO)
    if (left > 0) == (held > 0):  # reduced, same side
        after = Position(left, position.entry_price, position.realised_pnl + realised)
        return Change(after, realised, released, ZERO)
    opened = abs(left)  # went through zero: the rest opens the other side at this price
    after = Position(left, price, position.realised_pnl + realised)
    return Change(after, realised, released, price * opened)


@dataclass(frozen=True)
class OpenPair:
    """A long on one exchange against a short of the same instrument on another: what one
    reverse execution (buy where short, sell where long) closes."""

    instrument: str
    long_exchange: str
    short_exchange: str
    size_base: Decimal  # the smaller of the two legs


def open_pairs(legs: list[tuple[str, str, Decimal]]) -> list[OpenPair]:
    """(exchange, instrument, signed size) legs matched into pairs per instrument, longs and
    shorts each in exchange order, the larger leg split over several pairs where needed."""
    pairs = []
    for instrument in sorted({instrument for _, instrument, _ in legs}):
        longs = [[exchange, size] for exchange, name, size in sorted(legs) if name == instrument and size > 0]
        shorts = [[exchange, -size] for exchange, name, size in sorted(legs) if name == instrument and size < 0]
        while longs and shorts:
            size = min(longs[0][1], shorts[0][1])
            pairs.append(OpenPair(instrument, longs[0][0], shorts[0][0], size))
            for side in (longs, shorts):
                side[0][1] -= size
                if side[0][1] == 0:
                    side.pop(0)
    return pairs


def equity(balances: list[tuple[str, Decimal]], held: list[tuple[str, Position, Decimal | None]]) -> dict[str, Decimal]:
    """Total equity per settle currency: the wallets' balances, plus what each open position
    is worth at its mark: the margin it ties up (its entry notional, out of the balance while
    open) and its unrealised PnL. `held` is (currency, position, mark); a position without a
    mark counts at entry. Fees are already out of the balances."""
    totals: dict[str, Decimal] = {}
    for currency, balance in balances:
        totals[currency] = totals.get(currency, ZERO) + balance
    for currency, position, mark in held:
        worth = abs(position.size_base) * position.entry_price
        if mark is not None:
            worth += position.unrealised_pnl(mark)
        totals[currency] = totals.get(currency, ZERO) + worth
    return totals
