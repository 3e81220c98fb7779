"""What an execution reads of the market, all from the cache: each leg's top of book and latest
book of levels as the engine wrote them (arbitrage.quote_cache), and the leg's rules (its
exchange enabled or not, fee and quote max age; the listing's order step and minimum) and
whether its exchange's feed is connected (feeds.status, as its worker reports it).

The rules are read through the cache for LEG_RULES_TTL_S, as long as the engine keeps
exchange settings before reading them again (arbitrage.engine.CONFIG_REFRESH_S): an admin's
edit reaches paper fills when it reaches the engine's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache

from arbitrage.quote_cache import read_depth, read_quotes
from feeds.models import Exchange, Instrument
from feeds.status import status_key
from paper.fills import UNKNOWN_STEP, Book, NotFillable, disconnected

ZERO = Decimal(0)
UNKNOWN_LOT_BASE = Decimal("0.000001")  # an instrument not in the listings: a step fine enough for any coin
LEG_RULES_TTL_S = 30


@dataclass(frozen=True)
class LegRules:
    enabled: bool
    taker_fee_pct: Decimal  # the admin's
    max_age_ms: int
    lot_base: Decimal
    min_base: Decimal


def leg_rules_key(exchange_id: str, instrument: str) -> str:
    return f"paper:rules:{exchange_id}:{instrument}"


def leg_rules(exchange_id: str, instrument: str) -> LegRules:
    key = leg_rules_key(exchange_id, instrument)
    rules = cache.get(key)
    if rules is None:
        rules = _load_rules(exchange_id, instrument)
        cache.set(key, rules, LEG_RULES_TTL_S)
    return rules


def _load_rules(exchange_id: str, instrument: str) -> LegRules:
    exchange = Exchange.objects.filter(id=exchange_id).first()
    listed = Instrument.objects.filter(exchange=exchange_id, instrument=instrument).first()
    lot_base, min_base = _order_steps(listed.to_value()) if listed else (UNKNOWN_LOT_BASE, ZERO)
    if exchange is None:
        return LegRules(False, ZERO, 0, lot_base, min_base)
    return LegRules(exchange.enabled, exchange.taker_fee_pct, exchange.max_quote_age_ms, lot_base, min_base)


def _order_steps(listed) -> tuple[Decimal, Decimal]:
    """The listing's step and minimum in base units. A listing in coins that gives no step
    (CoinDCX's list) is UNKNOWN_STEP, stepped by price (paper.fills.conservative_step) rather
    than by a whole coin; one in contracts steps by one contract, as the exchange counts orders."""
    if not listed.qty_step_contracts and listed.contract_size == 1:
        return UNKNOWN_STEP, listed.min_qty_contracts
    return listed.order_steps_base()


def leg_book(exchange_id: str, instrument: str, own_taker_fee_pct: Decimal | None = None) -> Book:
    """The leg's top of book, latest book of levels, order step and fee: the user's own taker
    fee on the exchange (Settings) where they set one, else the admin's."""
    quote = read_quotes([instrument]).get(instrument, {}).get(exchange_id)
    if quote is None:
        raise NotFillable(f"no quote for {instrument} on {exchange_id}")
    rules = leg_rules(exchange_id, instrument)
    if not rules.enabled:
        raise NotFillable(f"exchange {exchange_id} is not enabled")
    # The engine stops counting a dropped connection's quotes at once; the cache keeps them
    # until they age out, so the feed's own status says whether they still stand.
    down = disconnected(exchange_id, cache.get(status_key(exchange_id)), int(quote["recv_ms"]))
    if down is not None:
        raise NotFillable(down)
    return Book(
        exchange=exchange_id,
        instrument=instrument,
        bid=Decimal(quote["bid"]),
        ask=Decimal(quote["ask"]),
        bid_size=Decimal(quote["bid_size"]),
        ask_size=Decimal(quote["ask_size"]),
        ts_ms=int(quote["ts_ms"]),
        recv_ms=int(quote["recv_ms"]),
        lot_base=rules.lot_base,
        taker_fee_pct=rules.taker_fee_pct if own_taker_fee_pct is None else own_taker_fee_pct,
        max_age_ms=rules.max_age_ms,
        min_base=rules.min_base,
        depth=read_depth([(exchange_id, instrument)]).get((exchange_id, instrument)),
    )
