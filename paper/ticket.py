"""The size a paper-trade ticket suggests for an opportunity, in the instrument's base units.

Where the opportunity has a depth walk (both legs' books known and fresh: arbitrage.depth), the
suggestion is the walk's most profitable size, at the user's own taker fees where they set any
(arbitrage.fee_tables), rounded down to a whole number of both legs' order steps; only where
depth is unknown is it the size executable at both tops of book. Each says which in
`size_from`, so the ticket and a bot can tell a size that walks the books from one that
fits the best levels only. Read from the cache, as executions are.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from accounts.trading import trading_settings
from arbitrage.messages import OpportunityMessage
from arbitrage.queries import own_open_opportunities
from arbitrage.spreads import units_of
from paper.books import UNKNOWN_LOT_BASE, leg_rules
from paper.fills import PRICED_FROM_DEPTH, PRICED_FROM_TOP, UNKNOWN_STEP, common_lot, conservative_step

SIZE_FROM_DEPTH = PRICED_FROM_DEPTH  # the depth walk's most profitable size
SIZE_FROM_TOP = PRICED_FROM_TOP  # no depth known: the smaller of the two best levels


@dataclass(frozen=True)
class TicketSize:
    size_base: Decimal | None  # base units, a whole number of both legs' steps; None: the trader types one
    size_from: str  # SIZE_FROM_DEPTH or SIZE_FROM_TOP


def suggested_size(
    opportunity: OpportunityMessage | None, instrument: str, lot_base: Decimal, top_coins: Decimal | None = None
) -> TicketSize:
    """The ticket's size for `opportunity` (as the cache holds it, at the user's fees), or from
    `top_coins` (the row's top-of-book size, in coins) when it is no longer open. Pure."""
    multiplier = units_of(instrument).multiplier
    depth = opportunity.depth if opportunity is not None else None
    if depth is not None:
        coins, size_from = depth.size_base, SIZE_FROM_DEPTH
    elif opportunity is not None:
        coins, size_from = opportunity.size_base, SIZE_FROM_TOP
    else:
        coins, size_from = top_coins, SIZE_FROM_TOP
    if coins is None or not coins.is_finite() or coins <= 0:
        return TicketSize(None, size_from)
    size = (coins / multiplier / lot_base).to_integral_value(rounding=ROUND_DOWN) * lot_base
    return TicketSize(size if size > 0 else None, size_from)


def find_open(
    opportunities: list[OpportunityMessage], buy_exchange: str, sell_exchange: str, instrument: str
) -> OpportunityMessage | None:
    """The open opportunity buying `instrument` on one exchange and selling it on the other."""
    for opportunity in opportunities:
        if (
            opportunity.buy_exchange == buy_exchange
            and opportunity.sell_exchange == sell_exchange
            and opportunity.buy_instrument == instrument
            and opportunity.sell_instrument == instrument
        ):
            return opportunity
    return None


def ticket_size(
    user, buy_exchange: str, sell_exchange: str, instrument: str, top_coins: Decimal | None = None
) -> TicketSize:
    """The suggested size of a ticket for this pair, from the open opportunity at the user's fees."""
    opportunities = own_open_opportunities(trading_settings(user).taker_fees_pct)
    opportunity = find_open(opportunities, buy_exchange, sell_exchange, instrument)
    multiplier = units_of(instrument).multiplier

    def step(exchange: str, price_field: str) -> Decimal:
        lot = leg_rules(exchange, instrument).lot_base
        if lot != UNKNOWN_STEP:
            return lot
        if opportunity is None:  # no price to step by: the fill rounds it
            return UNKNOWN_LOT_BASE
        return conservative_step(getattr(opportunity, price_field) * multiplier)

    lot = common_lot(step(buy_exchange, "buy_price"), step(sell_exchange, "sell_price"))
    return suggested_size(opportunity, instrument, lot, top_coins)
