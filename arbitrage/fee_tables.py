"""Each user's own fees: an open opportunity's net figures again, at the user's taker fees.

Pure: no Django, no I/O, exact Decimal. The engine finds opportunities once for everyone at the
admin's fees (admin → Exchanges); a user on another fee tier sees the same opportunity with its
net spread, profit and profitable flag derived again from its gross figures (the per-coin buy
and sell prices and the executable size) by the formula the engine uses
(`arbitrage.spreads.net_after_fees`), so at the admin's fees both agree to the last digit.

Its depth walk is worked out again too, from the levels the engine carries beside each open
opportunity (arbitrage/depth_levels.py): the size of greatest profit, average prices,
slippage, net spread and profit at the user's fees.

An opportunity neither of whose exchanges the user set a fee for is passed on unchanged: a user
with no fee of their own costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from arbitrage.depth_levels import walk_encoded
from arbitrage.funding import DEFAULT_HOLDING_H
from arbitrage.messages import OpportunityDepth, OpportunityMessage
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, net_after_fees

logger = logging.getLogger(__name__)
unreadable_levels = 0  # carried levels that could not be walked (logged; `depth` is null then)

# As arbitrage.messages rounds them: what the cache, /ws and the API carry.
PCT_PLACES = Decimal("0.000001")
QUOTE_PLACES = Decimal("0.00000001")
FUNDING_PLACES = Decimal("1e-8")


@dataclass(frozen=True, slots=True)
class UserTrading:
    """A user's trading settings as pages, the API and the engine read them (from the cache)."""

    holding_h: int = DEFAULT_HOLDING_H  # funding legs' holding period when none is asked for
    min_net_spread_pct: Decimal | None = None  # hide opportunities under this; None: show all
    # exchange -> the user's own fee, percent of notional; an exchange missing: the admin's fee
    taker_fees_pct: Mapping[str, Decimal] = field(default_factory=dict)
    maker_fees_pct: Mapping[str, Decimal] = field(default_factory=dict)


def taker_fee_pct(exchange: str, own_pct: Mapping[str, Decimal], admin_pct: Mapping[str, Decimal]) -> Decimal:
    """The taker fee a user pays on `exchange`: their own if they set one, else the admin's, else
    the engine's for an exchange with no admin row."""
    found = own_pct.get(exchange)
    return found if found is not None else admin_pct.get(exchange, DEFAULT_TAKER_FEE_PCT)


def net_figures(
    opportunity: Mapping[str, object],
    buy_fee_pct: Decimal,
    sell_fee_pct: Decimal,
    levels: Sequence | None = None,
) -> dict[str, object]:
    """The net fields of an opportunity (as the cache and /ws hold it: decimal strings) at
    these taker fees, in the same form: `net_spread_pct`, `profit_quote`, `potential_profit`,
    `profitable`, its funding leg's `edge_pct` when it carries one, and its `depth` walked
    again through `levels` (arbitrage.depth_levels, as the engine carries them beside it)."""
    net_pct, profit = net_after_fees(
        Decimal(str(opportunity["buy_price"])),
        Decimal(str(opportunity["sell_price"])),
        Decimal(str(opportunity["size_base"])),
        buy_fee_pct,
        sell_fee_pct,
    )
    profit_text = str(profit.quantize(QUOTE_PLACES))
    net_text = str(net_pct.quantize(PCT_PLACES))
    figures: dict[str, object] = {
        "net_spread_pct": net_text,
        "profit_quote": profit_text,
        "potential_profit": profit_text,
        "profitable": net_pct > 0,
    }
    funding = opportunity.get("funding")
    if isinstance(funding, Mapping):
        # The edge is the net spread plus funding (arbitrage.messages.OpportunityFunding).
        edge_pct = (Decimal(net_text) + Decimal(str(funding["funding_pct"]))).quantize(FUNDING_PLACES)
        figures["funding"] = {**funding, "edge_pct": str(edge_pct)}
    if opportunity.get("depth") is not None:
        figures["depth"] = depth_figures(levels, buy_fee_pct, sell_fee_pct)
    return figures


def depth_figures(levels: Sequence | None, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> dict[str, object] | None:
    """An opportunity's `depth` (OpportunityDepth's fields, as its JSON holds them) walked
    through its carried levels at these fees; None (no depth figures at these fees) when the
    levels did not come with it or cannot be read: the admin's walk is not passed off as theirs."""
    depth = walked_depth(levels, buy_fee_pct, sell_fee_pct)
    return None if depth is None else msgspec.to_builtins(depth)


def walked_depth(levels: Sequence | None, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> OpportunityDepth | None:
    """The typed `depth` of carried levels walked at these fees; None as for depth_figures."""
    if levels is None:
        return None
    global unreadable_levels
    try:
        fill = walk_encoded(levels, buy_fee_pct, sell_fee_pct)
    except ValueError as exc:
        unreadable_levels += 1
        logger.warning("unreadable depth levels dropped (%d so far): %s", unreadable_levels, exc)
        return None
    return None if fill is None else OpportunityDepth.from_fill(fill)


def touches(opportunity: Mapping[str, object], own_pct: Mapping[str, Decimal]) -> bool:
    """Whether either leg is on an exchange the user set their own fee for."""
    return opportunity["buy_exchange"] in own_pct or opportunity["sell_exchange"] in own_pct


def at_fees(
    opportunity: OpportunityMessage, buy_fee_pct: Decimal, sell_fee_pct: Decimal, levels: Sequence | None = None
) -> OpportunityMessage:
    """A typed open opportunity (as the read side holds it) with its net figures and depth at
    these taker fees (depth walked again through its carried `levels`): the same numbers
    `net_figures` writes into its JSON for /ws."""
    net_pct, profit = net_after_fees(
        opportunity.buy_price, opportunity.sell_price, opportunity.size_base, buy_fee_pct, sell_fee_pct
    )
    net = net_pct.quantize(PCT_PLACES)
    profit = profit.quantize(QUOTE_PLACES)
    funding = opportunity.funding
    if funding is not None:
        funding = msgspec.structs.replace(funding, edge_pct=(net + funding.funding_pct).quantize(FUNDING_PLACES))
    return msgspec.structs.replace(
        opportunity,
        net_spread_pct=net,
        profit_quote=profit,
        potential_profit=profit,
        profitable=net_pct > 0,
        funding=funding,
        depth=None if opportunity.depth is None else walked_depth(levels, buy_fee_pct, sell_fee_pct),
    )


def with_own_fees(
    opportunities: list[OpportunityMessage],
    own_pct: Mapping[str, Decimal],
    admin_pct: Mapping[str, Decimal],
    levels: Mapping[str, Sequence] | None = None,
) -> list[OpportunityMessage]:
    """The opportunities with their net figures and depth at the user's taker fees (`own_pct`,
    falling back to `admin_pct`; `levels`: opportunity id -> its walked levels), in the same
    order; ones on exchanges the user has no fee of their own for are the same objects, untouched."""
    levels = levels or {}
    if not own_pct:
        return opportunities
    found = []
    for opportunity in opportunities:
        if opportunity.buy_exchange in own_pct or opportunity.sell_exchange in own_pct:
            buy_fee = taker_fee_pct(opportunity.buy_exchange, own_pct, admin_pct)
            sell_fee = taker_fee_pct(opportunity.sell_exchange, own_pct, admin_pct)
            opportunity = at_fees(opportunity, buy_fee, sell_fee, levels.get(opportunity.id))
        found.append(opportunity)
    return found


class FeeView:
    """The taker fees a /ws connection's net figures are at: the user's own, the admin's for the
    rest. Equal views are one key, so connections at the same fees share one encoding."""

    __slots__ = ("_key", "admin", "own")

    def __init__(self, own_pct: Mapping[str, Decimal], admin_pct: Mapping[str, Decimal]) -> None:
        self.own = dict(own_pct)
        self.admin = dict(admin_pct)
        self._key = (tuple(sorted(self.own.items())), tuple(sorted(self.admin.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FeeView) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def text(self, opportunity_json: str, levels: Mapping[str, Sequence] | None = None) -> str:
        """An opportunity's /ws JSON (OpportunityMessage) at these fees, its depth walked again
        through its levels (`levels`: opportunity id -> walked levels); the same text when
        neither leg is on an exchange the user set a fee for."""
        opportunity = _decode(opportunity_json)
        if not touches(opportunity, self.own):
            return opportunity_json
        buy_fee = taker_fee_pct(opportunity["buy_exchange"], self.own, self.admin)
        sell_fee = taker_fee_pct(opportunity["sell_exchange"], self.own, self.admin)
        walked = (levels or {}).get(opportunity["id"])
        return _encode({**opportunity, **net_figures(opportunity, buy_fee, sell_fee, walked)}).decode()


_decode = msgspec.json.Decoder(dict).decode
_encode = msgspec.json.Encoder().encode
