"""Page views of accounts: watched instruments and alert rules (getting in: accounts.auth_views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.serializers import AlertRuleInput, WatchInput
from feeds.configuration import exchange_names
from feeds.models import Instrument


@login_required
@require_http_methods(["GET", "POST"])
def watchlist(request: HttpRequest) -> HttpResponse:
    """The user's watched instruments (the seeds' "selected cryptocurrencies")."""
    error = ""
    if request.method == "POST":
        data = WatchInput(data={"instrument": request.POST.get("instrument", "")})
        if data.is_valid():
            try:
                services.watch_instrument(request.user, data.validated_data["instrument"])
            except services.LimitReached as exc:
                error = str(exc)
        else:
            error = " ".join(str(e) for errors in data.errors.values() for e in errors)
    context = {
        "watched": services.visible_watched_instruments(request.user),
        "known": sorted(set(Instrument.objects.filter(listed=True).values_list("instrument", flat=True))),
        "error": error,
    }
    template = "accounts/settings.html#watchlist" if request.htmx else "accounts/settings.html"
    return render(request, template, context, status=400 if error else 200)


@login_required
@require_POST
def unwatch(request: HttpRequest, pk: int) -> HttpResponse:
    watched = get_object_or_404(services.visible_watched_instruments(request.user), pk=pk)
    services.unwatch_instrument(watched)
    return watchlist_fragment(request)


def watchlist_fragment(request: HttpRequest) -> HttpResponse:
    context = {"watched": services.visible_watched_instruments(request.user), "known": [], "error": ""}
    return render(request, "accounts/settings.html#watchlist", context)


def _rule_input(post) -> dict:
    """The form's fields as the API's AlertRuleInput takes them: one validation for both."""
    data = {
        "name": post.get("name", ""),
        "instruments": [item.strip() for item in post.get("instruments", "").split(",") if item.strip()],
        "buy_exchanges": post.getlist("buy_exchanges"),
        "sell_exchanges": post.getlist("sell_exchanges"),
        "min_net_spread_pct": post.get("min_net_spread_pct", ""),
        "cooldown_s": post.get("cooldown_s") or 300,
        "notify_in_app": "notify_in_app" in post,
        "notify_email": "notify_email" in post,
        "notify_telegram": "notify_telegram" in post,
        "webhook_url": post.get("webhook_url", ""),
    }
    for optional in ("min_size_base", "min_profit_quote", "max_quote_age_ms", "min_edge_pct"):
        data[optional] = post.get(optional) or None
    return data


def _rule_values(rule) -> dict:
    """A rule's fields as the form shows them."""
    return {
        "name": rule.name,
        "instruments": ", ".join(rule.instruments),
        "buy_exchanges": rule.buy_exchanges,
        "sell_exchanges": rule.sell_exchanges,
        "min_net_spread_pct": rule.min_net_spread_pct.normalize(),
        "min_size_base": rule.min_size_base.normalize() if rule.min_size_base is not None else "",
        "min_profit_quote": rule.min_profit_quote.normalize() if rule.min_profit_quote is not None else "",
        "max_quote_age_ms": rule.max_quote_age_ms or "",
        "min_edge_pct": rule.min_edge_pct.normalize() if rule.min_edge_pct is not None else "",
        "cooldown_s": rule.cooldown_s,
        "notify_in_app": rule.notify_in_app,
        "notify_email": rule.notify_email,
        "notify_telegram": rule.notify_telegram,
        "webhook_url": rule.webhook_url,
    }


def _posted_values(post) -> dict:
    values = {key: post.get(key, "") for key in post}
    values["buy_exchanges"] = post.getlist("buy_exchanges")
    values["sell_exchanges"] = post.getlist("sell_exchanges")
    for flag in ("notify_in_app", "notify_email", "notify_telegram"):
        values[flag] = flag in post
    return values


def _exchanges() -> list[tuple[str, str]]:
    """(id, name) of every exchange a rule may name, switched off or not, as the API accepts:
    a rule outlives a switch, and ticking it off here would drop it from the rule unasked."""
    return list(exchange_names().items())


NEW_RULE_VALUES = {"min_net_spread_pct": "0.2", "cooldown_s": 300, "notify_in_app": True}


def _rules_context(request: HttpRequest, **extra) -> dict:
    return {
        "rules": services.visible_alert_rules(request.user),
        "events": services.visible_alert_events(request.user)[:50],
        "exchanges": _exchanges(),
        "values": NEW_RULE_VALUES,
        **extra,
    }


def _invalid(request: HttpRequest) -> int:
    # HTMX leaves 4xx answers unswapped: the form with its messages must arrive as a 200.
    return 200 if request.htmx else 400


@login_required
@require_http_methods(["GET", "POST"])
def alert_rules(request: HttpRequest) -> HttpResponse:
    """The user's alert rules, created and edited inline, and the alerts they received."""
    if request.method == "POST":
        data = AlertRuleInput(data=_rule_input(request.POST), context={"user": request.user})
        errors = data.errors if not data.is_valid() else None
        if errors is None:
            try:
                services.create_alert_rule(request.user, **data.validated_data)
            except services.LimitReached as exc:
                errors = {"name": [str(exc)]}
        if errors is not None:
            context = _rules_context(request, errors=errors, values=_posted_values(request.POST))
            template = "accounts/alerts.html#rule_form" if request.htmx else "accounts/alerts.html"
            return render(request, template, context, status=_invalid(request))
        messages.success(request, "Alert rule created.")
        if request.htmx:  # a fresh form, and the list swapped in out of band
            return render(request, "accounts/alerts.html#created", _rules_context(request))
        return redirect("alerts")
    return render(request, "accounts/alerts.html", _rules_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def alert_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """One rule's row: GET ?edit=1 gives its form; POST saves it; either answers the row."""
    rule = get_object_or_404(services.visible_alert_rules(request.user), pk=pk)
    context = {"rule": rule, "exchanges": _exchanges(), "values": _rule_values(rule)}
    if request.method == "POST":
        data = AlertRuleInput(data=_rule_input(request.POST), context={"user": request.user})
        if not data.is_valid():
            context.update(errors=data.errors, editing=True, values=_posted_values(request.POST))
            return render(request, "accounts/alerts.html#rule_row", context, status=_invalid(request))
        services.update_alert_rule(rule, **data.validated_data)
        context["values"] = _rule_values(rule)
    context["editing"] = request.method == "GET" and "edit" in request.GET
    return render(request, "accounts/alerts.html#rule_row", context)


@login_required
@require_POST
def toggle_alert_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(services.visible_alert_rules(request.user), pk=pk)
    services.update_alert_rule(rule, active=not rule.active)
    return render(request, "accounts/alerts.html#rule_row", {"rule": rule, "exchanges": _exchanges()})


@login_required
@require_POST
def delete_alert_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(services.visible_alert_rules(request.user), pk=pk)
    services.delete_alert_rule(rule)
    return HttpResponse("")  # HTMX swaps the row out
