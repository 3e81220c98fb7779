"""Each user's own fees: an open opportunity's net figures again, at the user's taker fees.

Pure: no Django, no I/O, exact Decimal. The engine finds opportunities once for everyone at the
admin's fees (admin → Exchanges); a user on another fee tier sees the same opportunity with its
net spread, profit and profitable flag derived again from its gross figures (the per-coin buy
and sell prices and the executable size) by the formula the engine uses
(`arbitrage.spreads.net_after_fees`), so at the admin's fees both agree to the last digit.

An opportunity neither of whose exchanges the user set a fee for is passed on unchanged: a user
with no fee of their own costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from arbitrage.funding import DEFAULT_HOLDING_H
from arbitrage.messages import OpportunityMessage
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, net_after_fees

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


def net_figures(opportunity: Mapping[str, object], buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> dict[str, object]:
    """The net fields of an opportunity (as the cache and /ws hold it: decimal strings) at
    these taker fees, in the same form: `net_spread_pct`, `profit_quote`, `potential_profit`,
    `profitable`, and its funding leg's `edge_pct` when it carries one."""
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
    return figures


def touches(opportunity: Mapping[str, object], own_pct: Mapping[str, Decimal]) -> bool:
    """Whether either leg is on an exchange the user set their own fee for."""
    return opportunity["buy_exchange"] in own_pct or opportunity["sell_exchange"] in own_pct


def at_fees(opportunity: OpportunityMessage, buy_fee_pct: Decimal, sell_fee_pct: Decimal) -> OpportunityMessage:
    """A typed open opportunity (as the read side holds it) with its net figures at these taker
    fees: the same numbers `net_figures` writes into its JSON for /ws."""
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
    )


def with_own_fees(
    opportunities: list[OpportunityMessage], own_pct: Mapping[str, Decimal], admin_pct: Mapping[str, Decimal]
) -> list[OpportunityMessage]:
    """The opportunities with their net figures at the user's taker fees (`own_pct`, falling back
    to `admin_pct`), in the same order; ones on exchanges the user has no fee of their own for
    are the same objects, untouched."""
    if not own_pct:
        return opportunities
    found = []
    for opportunity in opportunities:
        if opportunity.buy_exchange in own_pct or opportunity.sell_exchange in own_pct:
            buy_fee = taker_fee_pct(opportunity.buy_exchange, own_pct, admin_pct)
            sell_fee = taker_fee_pct(opportunity.sell_exchange, own_pct, admin_pct)
            opportunity = at_fees(opportunity, buy_fee, sell_fee)
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

    def text(self, opportunity_json: str) -> str:
        """An opportunity's /ws JSON (OpportunityMessage) at these fees; the same text when
        neither leg is on an exchange the user set a fee for."""
        opportunity = _decode(opportunity_json)
        if not touches(opportunity, self.own):
            return opportunity_json
        buy_fee = taker_fee_pct(opportunity["buy_exchange"], self.own, self.admin)
        sell_fee = taker_fee_pct(opportunity["sell_exchange"], self.own, self.admin)
        return _encode({**opportunity, **net_figures(opportunity, buy_fee, sell_fee)}).decode()


_decode = msgspec.json.Decoder(dict).decode
_encode = msgspec.json.Encoder().encode
