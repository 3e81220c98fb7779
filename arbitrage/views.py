from __future__ import annotations

import msgspec
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.services import watched_instruments
from accounts.trading import trading_settings
from arbitrage.api import ApiRoot
from arbitrage.fee_tables import UserTrading
from arbitrage.forms import FundingForm, OpportunityFilterForm, ReplayForm
from arbitrage.models import Opportunity
from arbitrage.pages import (
    Column,
    ListedNearMiss,
    group_opportunities,
    history_rows,
    matrix_columns,
    price_matrix,
    replay_context,
    spread_points,
)
from arbitrage.queries import (
    dashboard_instruments,
    find_instruments,
    funding_ranking,
    listing_exchanges,
    max_quote_ages,
    near_misses,
    own_open_opportunities,
    price_decimals,
    taker_fees_pct,
)
from arbitrage.quote_cache import quoted_instruments, read_chart_history, read_funding, read_quote_messages
from arbitrage.read_model import rank
from arbitrage.replay import replay_period, summarise, user_own_fees, user_rules
from arbitrage.spread_charts import funding_series, pair_series
from arbitrage.spreads import units_of
from feeds.configuration import exchange_names
from feeds.models import Instrument
from lib import clock

api_root = ApiRoot.as_view()
NEAR_MISS_ROWS = 100  # the closest ones; the API pages through more
FUNDING_ROWS = 100  # the best pairs; the filters reach the rest (every perpetual: thousands)
SEARCH_ROWS = 50  # the Prices page's rows for a search, the best matches; the answer counts the rest


def _columns(exchanges: list[str], own: UserTrading) -> list[Column]:
    """The exchanges' columns, their net spreads at the user's own taker fees where they set any."""
    fees = taker_fees_pct(own.taker_fees_pct)
    return matrix_columns(exchanges, max_quote_ages(), fees)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The price matrix, instruments by exchange, from the cache; /ws keeps it live. Its rows:
    the user's watched instruments and the majors (dashboard_instruments), not every one."""
    watched = watched_instruments(request.user)
    shown = sorted(dashboard_instruments(watched))
    quotes = read_quote_messages(shown)
    # Every exchange running or expected to: those quoted, and those not switched off.
    exchanges = sorted(
        {exchange for row in quotes.values() for exchange in row} | set(exchange_names(enabled_only=True))
    )
    columns = _columns(exchanges, trading_settings(request.user))
    decimals = price_decimals()
    rows = price_matrix(quotes, columns, watched, clock.now_ms(), decimals["instruments"], decimals["size_instruments"])
    context = {
        "columns": columns,
        "rows": rows,
        "watched": sorted(watched),
        "instruments": shown,
        "price_decimals": decimals,
    }
    return render(request, "arbitrage/dashboard.html", context)


@login_required
def price_search(request: HttpRequest) -> JsonResponse:
    """The Prices page's filter: every quoted instrument `q` matches, not only the page's rows,
    best first (arbitrage/instrument_search.py); the page subscribes to them over /ws."""
    result = find_instruments(quoted_instruments(), request.GET.get("q", ""), limit=SEARCH_ROWS)
    return JsonResponse(
        {
            "query": result.query,
            "instruments": [{"instrument": m.instrument, "base": m.base, "match": m.kind} for m in result.matches],
            "count": result.count,
            "more": result.more,
        }
    )


def home(request: HttpRequest) -> HttpResponse:
    """`/`: the API root (JSON) for API clients, the dashboard for browsers.

    API clients ask with `Accept: application/json`, `?format=json`, or a bearer token.
    """
    accept = request.headers.get("Accept", "")
    wants_api = (
        request.GET.get("format") == "json"
        or request.headers.get("Authorization", "").startswith("Bearer ")
        or ("application/json" in accept and "text/html" not in accept)
    )
    return api_root(request) if wants_api else dashboard(request)


@login_required
def opportunities(request: HttpRequest) -> HttpResponse:
    """Open opportunities, best net spread (at the user's own fees) first, filtered; /ws keeps
    the table live. With no filter asked for, the user's own minimum net spread applies."""
    own = trading_settings(request.user)
    form = OpportunityFilterForm(request.GET or None, initial={"min_net_spread_pct": own.min_net_spread_pct})
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    if not request.GET:
        filters["min_net_spread_pct"] = own.min_net_spread_pct
    ranked = rank(
        own_open_opportunities(own.taker_fees_pct),
        min_spread_pct=filters.get("min_net_spread_pct"),
        min_size_base=filters.get("min_size_base"),
        min_profit_quote=filters.get("min_profit_quote"),
        exchanges=set(filters.get("exchanges") or ()),
        instruments=set(filters.get("instruments") or ()),
    )
    decimals = price_decimals()
    context = {
        "form": form,
        "filters": filters,
        "near_miss": _near_miss_context(form, filters, decimals, own),
        "opportunities": msgspec.to_builtins(ranked),  # for the script, as /ws carries them
        "groups": group_opportunities(ranked, clock.now_ms(), decimals["groups"], decimals["size_groups"]),
        "price_decimals": decimals,
        "empty_text": "No open opportunity matches. New ones appear here as they open.",
    }
    template = "arbitrage/opportunities.html"
    if request.htmx:
        template += "#near_misses" if request.GET.get("part") == "near-misses" else "#table"
    return render(request, template, context)


def _near_miss_context(form: OpportunityFilterForm, filters: dict, decimals: dict, own: UserTrading) -> dict:
    """The near-miss view's rows when it is on, from the same quotes and filters, at the user's fees."""
    within_bps = form.near_miss_distance_bps()
    if within_bps is None:
        return {"on": False}
    rows, count = near_misses(
        within_bps,
        instruments=set(filters.get("instruments") or ()) or None,
        exchanges=set(filters.get("exchanges") or ()) or None,
        min_size_base=filters.get("min_size_base"),
        limit=NEAR_MISS_ROWS,
        own_taker_pct=own.taker_fees_pct,
    )
    listed = [ListedNearMiss.of(row, decimals["groups"], decimals["size_groups"]) for row in rows]
    return {"on": True, "within_bps": within_bps, "rows": listed, "count": count}


@login_required
def instrument(request: HttpRequest, instrument: str) -> HttpResponse:
    """One instrument: each exchange's quote, the net spread of its market over time (the best,
    and its best pairs') beside each exchange's funding rate of it, its history."""
    quotes = read_quote_messages([instrument])
    listing = listing_exchanges(instrument)
    if not quotes and not listing and not Instrument.objects.filter(instrument=instrument).exists():
        raise Http404(f"No instrument {instrument!r} is listed or quoted")
    group = units_of(instrument).group
    decimals = price_decimals()
    history = Opportunity.objects.filter(Q(buy_instrument=instrument) | Q(sell_instrument=instrument))[:50]
    if request.GET.get("part") == "history":  # refreshed by the page as opportunities open and close
        context = {
            "instrument": instrument,
            "history": history_rows(history, decimals["groups"], decimals["size_groups"]),
        }
        return render(request, "arbitrage/instrument.html#history", context)
    best, pair_history = read_chart_history(group)
    chart = {
        "points": spread_points(best),
        "pairs": pair_series(pair_history),
        "funding": funding_series(list(read_funding([instrument]).get(instrument, {}).values())),
        "now": clock.now_ms() / 1000,
    }
    if request.GET.get("part") == "chart":
        return JsonResponse(chart)
    # Every exchange that quotes it now or lists it (and may quote it once connected).
    exchanges = set(quotes.get(instrument, {})) | listing
    own = trading_settings(request.user)
    columns = _columns(sorted(exchanges) or sorted(exchange_names(enabled_only=True)), own)
    rows = price_matrix(quotes, columns, set(), clock.now_ms(), decimals["instruments"], decimals["size_instruments"])
    ranked = rank(own_open_opportunities(own.taker_fees_pct), instruments={instrument})
    context = {
        "instrument": instrument,
        "group": group,
        "columns": columns,
        "rows": rows,
        "chart": chart,
        "history": history_rows(history, decimals["groups"], decimals["size_groups"]),
        "opportunities": msgspec.to_builtins(ranked),
        "groups": group_opportunities(ranked, clock.now_ms(), decimals["groups"], decimals["size_groups"]),
        "filters": {"instruments": [instrument]},
        "price_decimals": decimals,
        "empty_text": "None open.",
    }
    return render(request, "arbitrage/instrument.html", context)


@login_required
def funding(request: HttpRequest) -> HttpResponse:
    """Long on one exchange, short on another, ranked by funding earned per day, with the
    current net spread as the entry and the edge over the holding period asked for."""
    own = trading_settings(request.user)
    form = FundingForm(request.GET or None, initial={"hours": own.holding_h})
    hours = form.holding_h() or own.holding_h
    pairs, count, now_ms = funding_ranking(
        hours=hours, limit=FUNDING_ROWS, own_taker_pct=own.taker_fees_pct, chosen=form.chosen()
    )
    context = {"form": form, "hours": hours, "pairs": pairs, "count": count, "now_ms": now_ms}
    return render(request, "arbitrage/funding.html", context)


@login_required
def replay(request: HttpRequest) -> HttpResponse:
    """A recorded period through the engine with the user's rules: what opened, for how long,
    for what profit, and which rules would have alerted (arbitrage/replay.py)."""
    form = ReplayForm(request.GET or None, user=request.user)
    context: dict = {"form": form}
    if form.is_valid():
        start, end, rule = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["rule"]
        rules = user_rules(request.user, [rule.id] if rule else None)
        from_ms, to_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
        report = replay_period(from_ms, to_ms, rules=rules, own_fees=user_own_fees(request.user))
        context.update(replay_context(report, summarise(report), rules, price_decimals()["size_groups"]))
    return render(request, "arbitrage/replay.html", context)
