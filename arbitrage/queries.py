"""Reads the API shares: quotes and open opportunities from the cache, history from the
database. Never the engine's memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import msgspec
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet

from arbitrage import pages
from arbitrage.fee_tables import FeeView, with_own_fees
from arbitrage.funding import FundingFilter, FundingPair, earning_legs, narrowed, opportunity_edge, priced
from arbitrage.history import summary
from arbitrage.instrument_search import SearchResult, search_instruments
from arbitrage.messages import OpportunityFunding, OpportunityMessage, QuoteMessage
from arbitrage.models import Opportunity
from arbitrage.near_miss import NearMissRow
from arbitrage.near_miss import near_misses as find_near_misses
from arbitrage.quote_cache import (
    INDEX_KEY,
    read_funding,
    read_open_opportunities,
    read_open_opportunities_and_levels,
    read_quote_messages,
    read_quotes,
)
from arbitrage.read_model import MaxQuoteAges, QuoteReading, as_quote, price_row, rank, read_quote
from arbitrage.spreads import DEFAULT_TAKER_FEE_PCT, exact_spread
from feeds.configuration import exchange_fees, exchange_names
from feeds.models import Exchange, Instrument
from feeds.symbols import UnknownSymbol, is_canonical, resolve_symbol
from feeds.types import Quote
from feeds.watchlist import EVERY_INSTRUMENT
from lib import clock


def named_by_default() -> set[str]:
    """The instruments watched by default by name: ARBSITE_INSTRUMENTS, or the majors when it is
    every listed perpetual (`*`)."""
    configured = set(settings.DEFAULT_WATCHED_INSTRUMENTS)
    return set(settings.MAJOR_INSTRUMENTS) if EVERY_INSTRUMENT in configured else configured


def known_instruments() -> set[str]:
    """Canonical names known beyond the instrument lists: quoted now, or watched by default."""
    return set(cache.get(INDEX_KEY) or []) | named_by_default()


def dashboard_instruments(watched: set[str]) -> set[str]:
    """The Prices page's rows and subscription: the user's watched instruments and those named
    by default (the majors, with every perpetual watched). Never the whole universe: ~2,000 rows
    and ~3,500 quotes/s are no page; the Opportunities page has every instrument's openings."""
    return set(watched) | named_by_default()


def resolve_instruments(names: list[str]) -> tuple[list[str], list[str]]:
    """The canonical instruments `names` give, in any form REST accepts (canonical, URL-safe,
    an exchange's own symbol), and why each of the others was not understood. A canonical
    name is taken as it is, known or not yet: a feed may list it later."""
    known = known_instruments()
    resolved, unknown = [], []
    for name in dict.fromkeys(names):
        if is_canonical(name):  # the common case, with no query
            resolved.append(name)
            continue
        try:
            resolved.append(resolve_symbol(name, known))
        except UnknownSymbol as exc:
            unknown.append(str(exc))
    return resolved, unknown


def prices(instruments: list[str] | None = None, exchanges: set[str] | None = None) -> dict[str, dict[str, dict]]:
    """instrument -> exchange -> quote, the latest of each, optionally of some exchanges only."""
    quotes = read_quotes(instruments)
    if not exchanges:
        return quotes
    narrowed = {instrument: {ex: q for ex, q in row.items() if ex in exchanges} for instrument, row in quotes.items()}
    return {instrument: row for instrument, row in narrowed.items() if row}


def max_quote_ages() -> MaxQuoteAges:
    """Each exchange's max quote age (admin → Exchanges); settings.QUOTE_MAX_AGE_MS for others."""
    return MaxQuoteAges(dict(Exchange.objects.values_list("id", "max_quote_age_ms")), settings.QUOTE_MAX_AGE_MS)


def _best_side(reading: QuoteReading | None, side: str) -> dict | None:
    if reading is None:
        return None
    quote = reading.quote
    return {
        "exchange": quote.exchange,
        "price": getattr(quote, side),
        "size": getattr(quote, f"{side}_size"),
        "timestamp": quote.timestamp,
        "stale": reading.stale,
    }


def best_prices(instrument: str) -> dict:
    """The highest bid and the lowest ask across exchanges, sell there, buy there: among fresh
    quotes, as the pages mark them; the best stale ones (marked so) when none is fresh."""
    quotes = read_quote_messages([instrument]).get(instrument, {})
    row = price_row(instrument, quotes, max_quote_ages(), {}, clock.now_ms())
    gross_pct = row.gross_spread_pct
    return {
        "symbol": instrument,
        "best_bid": _best_side(row.best_bid, "bid"),
        "best_ask": _best_side(row.best_ask, "ask"),
        "spread": row.spread if gross_pct is not None else None,
        "spread_percentage": gross_pct,
        "exchanges": len(quotes),
    }


@dataclass(frozen=True)
class PairSpreads:
    symbol: str
    exchange1: str
    exchange2: str
    quote1: dict | None
    quote2: dict | None
    spreads: list[dict]  # buy on one, sell on the other: both directions, best first
    best: dict | None


def admin_taker_fees_pct() -> dict[str, Decimal]:
    """exchange -> the admin's taker fee, percent (admin → Exchanges): the engine's figures' fees."""
    return {exchange: taker for exchange, (taker, _) in exchange_fees().items()}


def taker_fees_pct(own_taker_pct: Mapping[str, Decimal] | None = None) -> dict[str, Decimal]:
    """exchange -> the taker fee a user pays: their own where they set one, the admin's elsewhere."""
    return {**admin_taker_fees_pct(), **(own_taker_pct or {})}


def pair_spreads(
    instrument: str, exchange1: str, exchange2: str, own_taker_pct: Mapping[str, Decimal] | None = None
) -> PairSpreads:
    """Both directions of trading `instrument` between two exchanges, after taker fees (the
    user's own where they set any)."""
    row = read_quote_messages([instrument]).get(instrument, {})
    quote1, quote2 = row.get(exchange1), row.get(exchange2)
    spreads = []
    if quote1 is not None and quote2 is not None:
        fees = taker_fees_pct(own_taker_pct)
        max_ages, at_ms = max_quote_ages(), clock.now_ms()
        stale = {q.exchange: read_quote(q, max_ages.of(q.exchange), at_ms).stale for q in (quote1, quote2)}
        for buy, sell in ((quote1, quote2), (quote2, quote1)):
            buy_fee = fees.get(buy.exchange, DEFAULT_TAKER_FEE_PCT)
            sell_fee = fees.get(sell.exchange, DEFAULT_TAKER_FEE_PCT)
            if buy.ask <= 0:
                continue
            spread = exact_spread(as_quote(buy), as_quote(sell), buy_fee, sell_fee)
            gross = spread.gross_spread_pct.quantize(Decimal("0.000001"))
            profit = spread.profit_quote.quantize(Decimal("0.00000001"))
            spreads.append(
                {
                    "buy_exchange": buy.exchange,
                    "sell_exchange": sell.exchange,
                    "buy_price": spread.buy_price,
                    "sell_price": spread.sell_price,
                    "spread": spread.sell_price - spread.buy_price,
                    "spread_percentage": gross,
                    "gross_spread_pct": gross,
                    "net_spread_pct": spread.net_spread_pct.quantize(Decimal("0.000001")),
                    "size_base": spread.size_base,
                    "profit_quote": profit,
                    "potential_profit": profit,
                    "profitable": spread.net_spread_pct > 0,
                    "basis_risk": spread.basis_risk,
                    "stale": stale[buy.exchange] or stale[sell.exchange],
                }
            )
        spreads.sort(key=lambda item: item["net_spread_pct"], reverse=True)
    # The legs as the cache holds them (`QuoteMessage`'s fields, prices as exact strings).
    return PairSpreads(
        instrument, exchange1, exchange2, _builtins(quote1), _builtins(quote2), spreads, spreads[0] if spreads else None
    )


def _builtins(quote: QuoteMessage | None) -> dict | None:
    return None if quote is None else msgspec.to_builtins(quote)


def fee_view_of(user) -> FeeView | None:
    """The fees a user's /ws figures are at; None when they set none of their own."""
    from accounts.trading import trading_settings

    own = trading_settings(user).taker_fees_pct
    return FeeView(own, admin_taker_fees_pct()) if own else None


def own_open_opportunities(own_taker_pct: Mapping[str, Decimal] | None = None) -> list[OpportunityMessage]:
    """The open opportunities as the cache holds them, typed, their net figures and depth walk
    at the user's own taker fees where they set any (arbitrage/fee_tables.py); unchanged for
    everyone else."""
    if not own_taker_pct:
        return read_open_opportunities()
    found, levels = read_open_opportunities_and_levels()
    return with_own_fees(found, own_taker_pct, admin_taker_fees_pct(), levels) if found else found


def open_opportunities(
    *,
    instrument: str | None = None,
    exchanges: set[str] | None = None,
    min_spread_pct: Decimal | None = None,
    min_size_base: Decimal | None = None,
    limit: int | None = None,
    own_taker_pct: Mapping[str, Decimal] | None = None,
) -> tuple[list[OpportunityMessage], int]:
    """Open opportunities, best net spread (at the user's own fees) first, and how many matched
    before the limit."""
    matched = rank(
        own_open_opportunities(own_taker_pct),
        min_spread_pct=min_spread_pct,
        min_size_base=min_size_base,
        instruments={instrument} if instrument else None,
        exchanges=exchanges,
    )
    return matched[:limit] if limit else matched, len(matched)


def near_misses(
    within_bps: Decimal,
    *,
    instruments: set[str] | None = None,
    exchanges: set[str] | None = None,
    min_size_base: Decimal | None = None,
    limit: int | None = None,
    own_taker_pct: Mapping[str, Decimal] | None = None,
) -> tuple[list[NearMissRow], int]:
    """Pairs of the cached quotes at or below break-even (at the user's own taker fees where
    they set any) within `within_bps` of it, closest first, and how many matched before the
    limit."""
    quotes = [as_quote(message) for row in read_quote_messages().values() for message in row.values()]
    fees = taker_fees_pct(own_taker_pct)
    at_ms = clock.now_ms()
    found = []
    max_ages = max_quote_ages()
    for miss in find_near_misses(
        quotes,
        fees,
        max_ages.by_exchange_ms,
        within_bps=within_bps,
        now_ms=at_ms,
        default_max_age_ms=max_ages.default_ms,
        allow_cross_quote=settings.ALLOW_CROSS_QUOTE,
    ):
        buy, sell, spread = miss.buy, miss.sell, miss.spread
        if instruments and buy.instrument not in instruments and sell.instrument not in instruments:
            continue
        if exchanges and buy.exchange not in exchanges and sell.exchange not in exchanges:
            continue
        if min_size_base is not None and spread.size_base < min_size_base:
            continue
        found.append(NearMissRow.of(miss, at_ms))
    return (found[:limit] if limit else found), len(found)


def with_funding(opportunities: list[OpportunityMessage], hours: int) -> list[OpportunityMessage]:
    """Each opportunity with its `funding` leg held `hours` from now (OpportunityFunding), or
    None when either leg has no funding record."""
    instruments = sorted({name for o in opportunities for name in (o.buy_instrument, o.sell_instrument)})
    funding = read_funding(instruments) if instruments else {}
    now_ms = clock.now_ms()
    found = []
    for opportunity in opportunities:
        edge = opportunity_edge(opportunity, funding, now_ms, hours)
        leg = None if edge is None else OpportunityFunding.from_edge(edge)
        found.append(msgspec.structs.replace(opportunity, funding=leg))
    return found


def market_summary(since: datetime, history_limit: int, own_taker_pct: Mapping[str, Decimal] | None = None) -> dict:
    """Now (quotes and open opportunities per exchange, the best at the user's own fees) and the
    history since `since`."""
    quotes = read_quotes()
    per_exchange: dict[str, dict] = {}
    for row in quotes.values():
        for exchange, quote in row.items():
            entry = per_exchange.setdefault(exchange, {"instruments": 0, "last_update_ms": 0})
            entry["instruments"] += 1
            entry["last_update_ms"] = max(entry["last_update_ms"], quote["recv_ms"])
    opportunities = own_open_opportunities(own_taker_pct)
    best = rank(opportunities, limit=1)
    return {
        "total_symbols": len(quotes),
        "total_exchanges": len(per_exchange),
        "total_quotes": sum(entry["instruments"] for entry in per_exchange.values()),
        "exchanges": dict(sorted(per_exchange.items())),
        "open_opportunities": len(opportunities),
        "best_opportunity": best[0] if best else None,
        "since": since,
        "history": summary(since=since, limit=history_limit),
    }


def opportunity_history(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    instrument: str | None = None,
    exchanges: set[str] | None = None,
    min_spread_pct: Decimal | None = None,
    state: str | None = None,
) -> QuerySet[Opportunity]:
    """Lives of opportunities opened in [since, until), newest first."""
    rows = Opportunity.objects.all()
    if since is not None:
        rows = rows.filter(opened_at__gte=since)
    if until is not None:
        rows = rows.filter(opened_at__lt=until)
    if instrument:
        rows = rows.filter(Q(buy_instrument=instrument) | Q(sell_instrument=instrument))
    if exchanges:
        rows = rows.filter(Q(buy_exchange__in=exchanges) | Q(sell_exchange__in=exchanges))
    if min_spread_pct is not None:
        rows = rows.filter(peak_net_spread_pct__gte=min_spread_pct)
    if state == "open":
        rows = rows.filter(closed_at__isnull=True)
    elif state == "closed":
        rows = rows.filter(closed_at__isnull=False)
    return rows.order_by("-opened_at", "id")


def price_decimals() -> dict[str, dict[str, int]]:
    """The decimals pages show prices and sizes with, per instrument and per group, from the
    listings' ticks and order steps (a linear listing's step in base units; an inverse one's is
    in USD, so it says nothing of coins, nor does a listing that gives no step)."""
    listed = Instrument.objects.filter(enabled=True).values_list(
        "instrument", "tick_size", "linear", "contract_size", "qty_step_contracts"
    )
    ticks, lots = [], []
    for instrument, tick, linear, contract_size, qty_step in listed:
        ticks.append((instrument, tick))
        if linear and qty_step > 0:
            lots.append((instrument, qty_step * contract_size))
    return pages.price_decimals(ticks, lots)


def listing_exchanges(instrument: str) -> set[str]:
    """The exchanges, switched on, that list `instrument` and may quote it."""
    listed = Instrument.objects.filter(instrument=instrument, enabled=True, listed=True).values_list("exchange")
    return {exchange for (exchange,) in listed} & set(exchange_names(enabled_only=True))


def find_instruments(among: list[str], query: str, limit: int) -> SearchResult:
    """The instruments of `among` that what a trader typed matches, best first
    (arbitrage/instrument_search.py); an exchange's own symbol (PEPEUSDT, XBTUSD) or the URL-safe
    form, as the instrument lists know them, finds its instrument first."""
    try:
        named = resolve_symbol(query, known=among)
    except UnknownSymbol:
        named = None
    return search_instruments(among, query, limit=limit, named=named)


def funding_ranking(
    *,
    hours: int,
    limit: int | None = None,
    own_taker_pct: Mapping[str, Decimal] | None = None,
    chosen: FundingFilter | None = None,
) -> tuple[list[FundingPair], int, int]:
    """Long/short pairs that earn funding, best per day first (or as `chosen` sorts and narrows
    them); how many matched before the limit; and the time (ms) the countdowns count from.
    Entries at the user's own taker fees."""
    chosen = chosen or FundingFilter()
    funding = read_funding()
    if chosen.query:
        # The markets asked for only: with every perpetual watched, thousands of pairs otherwise.
        found = find_instruments(list(funding), chosen.query, limit=len(funding))
        matched = {match.instrument for match in found.matches}
        funding = {instrument: row for instrument, row in funding.items() if instrument in matched}
    fees = taker_fees_pct(own_taker_pct)
    at_ms = clock.now_ms()
    candidates = earning_legs(funding)
    if limit and not chosen.needs_entries:
        # Ranked and narrowed by the rates alone: only the pairs shown are priced (with every
        # perpetual watched, 100 of ~6,000, and their quotes only).
        kept = [legs for legs in candidates if chosen.keeps_legs(legs)]
        shown = kept[:limit]
        quotes = _quotes_of({leg.instrument for legs in shown for leg in (legs.long, legs.short)})
        return [priced(legs, quotes, fees, at_ms, hours) for legs in shown], len(kept), at_ms
    quotes = _quotes_of(funding)
    pairs = narrowed([priced(legs, quotes, fees, at_ms, hours) for legs in candidates], chosen)
    return (pairs[:limit] if limit else pairs), len(pairs), at_ms


def _quotes_of(instruments: Iterable[str]) -> dict[tuple[str, str], Quote]:
    """(instrument, exchange) -> the cached quote, of these instruments."""
    return {
        (instrument, exchange): as_quote(message)
        for instrument, row in read_quote_messages(list(instruments)).items()
        for exchange, message in row.items()
    }
