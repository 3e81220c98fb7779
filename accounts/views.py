"""Page views of accounts: watched instruments, fees and defaults, API tokens and alert rules
(getting in: accounts.auth_views)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import api_tokens, services, throttles, trading
from accounts.alerts import delivery
from accounts.models import AlertEvent
from accounts.notification_preferences import NotificationPreferences, save_notification_preferences
from accounts.serializers import AlertRuleInput, TradingSettingsInput, WatchInput
from accounts.tasks import alert_queue
from feeds.configuration import exchange_fees, exchange_names
from feeds.models import Instrument
from lib import numbers


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
        **_trading_context(request.user),
        "tokens": api_tokens.live_tokens(request.user),
    }
    template = "accounts/settings.html#watchlist" if request.htmx else "accounts/settings.html"
    return render(request, template, context, status=400 if error else 200)


@login_required
@require_POST
def unwatch(request: HttpRequest, pk: int) -> HttpResponse:
    watched = get_object_or_404(services.visible_watched_instruments(request.user), pk=pk)
    services.unwatch_instrument(watched)
    return watchlist_fragment(request)


def _trading_context(user, posted=None, errors: dict | None = None, saved: bool = False) -> dict:
    """The fees-and-defaults form: the user's values (or what they posted) beside the admin's."""
    own = trading.trading_settings(user)
    names = exchange_names()
    fee_errors = (errors or {}).get("fees", {})
    rows = []
    for row in trading.fee_table(user):
        exchange = row["exchange"]
        wrong = fee_errors.get(exchange, {}) if isinstance(fee_errors, dict) else {}
        rows.append(
            {
                "exchange": exchange,
                "name": names.get(exchange, exchange),
                "taker": posted.get(f"taker_{exchange}", "") if posted is not None else _shown(row["taker_fee_pct"]),
                "maker": posted.get(f"maker_{exchange}", "") if posted is not None else _shown(row["maker_fee_pct"]),
                "admin_taker": row["admin_taker_fee_pct"],
                "admin_maker": row["admin_maker_fee_pct"],
                "taker_errors": wrong.get("taker_fee_pct", []),
                "maker_errors": wrong.get("maker_fee_pct", []),
            }
        )
    values = (
        {"holding_h": posted.get("holding_h", ""), "min_net_spread_pct": posted.get("min_net_spread_pct", "")}
        if posted is not None
        else {"holding_h": own.holding_h, "min_net_spread_pct": _shown(own.min_net_spread_pct)}
    )
    return {"fee_rows": rows, "values": values, "errors": errors or {}, "saved": saved}


def _shown(value):
    """A decimal as typed: 0.036, not 0.03600 (nor 1E+1 for 10)."""
    return None if value is None else format(value.normalize(), "f")


def _trading_input(post) -> dict:
    """The form's fields as the API's TradingSettingsInput takes them: one validation for both."""
    fees = {}
    for exchange in exchange_fees():
        taker, maker = post.get(f"taker_{exchange}", "").strip(), post.get(f"maker_{exchange}", "").strip()
        if taker or maker:
            fees[exchange] = {"taker_fee_pct": taker or None, "maker_fee_pct": maker or None}
    return {
        "holding_h": post.get("holding_h", "").strip(),
        "min_net_spread_pct": post.get("min_net_spread_pct", "").strip() or None,
        "fees": fees,
    }


@login_required
@require_http_methods(["GET", "POST"])
def trading_settings(request: HttpRequest) -> HttpResponse:
    """Save the user's fees per exchange, holding period and minimum net spread."""
    if request.method == "GET":
        return redirect("settings")
    data = TradingSettingsInput(data=_trading_input(request.POST))
    if not data.is_valid():
        context = _trading_context(request.user, request.POST, data.errors)
        if request.htmx:
            return render(request, "accounts/_trading_settings.html#trading_form", context, status=_invalid(request))
        watch = {"watched": services.visible_watched_instruments(request.user), "known": [], "error": ""}
        return render(request, "accounts/settings.html", {**watch, **context}, status=400)
    trading.save_trading_settings(request.user, **data.validated_data)
    if request.htmx:
        return render(
            request, "accounts/_trading_settings.html#trading_form", _trading_context(request.user, saved=True)
        )
    messages.success(request, "Fees and defaults saved.")
    return redirect("settings")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Save how the user's pages signal in-app alerts: toast, sound, browser notification."""
    if request.method == "GET":
        return redirect("settings")
    posted = NotificationPreferences(
        toasts="alert_toasts" in request.POST,
        sound="alert_sound" in request.POST,
        browser_notifications="alert_browser_notifications" in request.POST,
    )
    save_notification_preferences(request.user, posted)  # the page reads them back (NOTIFICATION_PREFS)
    if request.htmx:
        return render(request, "accounts/_notification_settings.html#notification_form", {"saved": True})
    messages.success(request, "Notifications saved.")
    return redirect("settings")


def _api_tokens_section(request: HttpRequest, issued: api_tokens.IssuedToken | None = None) -> HttpResponse:
    context = {"tokens": api_tokens.live_tokens(request.user), "issued": issued}
    if request.htmx:
        return render(request, "accounts/_api_tokens.html#api_tokens", context)
    if issued is None:
        return redirect("settings")
    # Without script: the whole page, once, with the new token on it.
    watch = {"watched": services.visible_watched_instruments(request.user), "known": [], "error": ""}
    return render(request, "accounts/settings.html", {**watch, **_trading_context(request.user), **context})


@login_required
@require_POST
def new_api_token(request: HttpRequest) -> HttpResponse:
    """A refresh token (and a first access token) for one of the user's programs."""
    return _api_tokens_section(request, api_tokens.issue_token(request.user))


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, jti: str) -> HttpResponse:
    if not api_tokens.revoke_token(request.user, jti):
        raise Http404("No such token")
    return _api_tokens_section(request)


@login_required
@require_POST
def revoke_all_api_tokens(request: HttpRequest) -> HttpResponse:
    api_tokens.revoke_all_tokens(request.user)
    return _api_tokens_section(request)


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
    for optional in (
        "min_size_base",
        "min_profit_quote",
        "max_quote_age_ms",
        "min_edge_pct",
        "min_depth_size_base",
        "min_depth_profit_quote",
    ):
        data[optional] = post.get(optional) or None
    return data


def _rule_values(rule) -> dict:
    """A rule's fields as the form shows them."""
    return {
        "name": rule.name,
        "instruments": ", ".join(rule.instruments),
        "buy_exchanges": rule.buy_exchanges,
        "sell_exchanges": rule.sell_exchanges,
        "min_net_spread_pct": _normalized(rule.min_net_spread_pct),
        "min_size_base": _normalized(rule.min_size_base),
        "min_profit_quote": _normalized(rule.min_profit_quote),
        "max_quote_age_ms": rule.max_quote_age_ms or "",
        "min_edge_pct": _normalized(rule.min_edge_pct),
        "min_depth_size_base": _normalized(rule.min_depth_size_base),
        "min_depth_profit_quote": _normalized(rule.min_depth_profit_quote),
        "cooldown_s": rule.cooldown_s,
        "notify_in_app": rule.notify_in_app,
        "notify_email": rule.notify_email,
        "notify_telegram": rule.notify_telegram,
        "webhook_url": rule.webhook_url,
    }


def _normalized(value: Decimal | None) -> str:
    """As the form shows a decimal: plain text, so that 100 shows as "100" (not "1E+2") and a
    zero as "0" (not as empty)."""
    return "" if value is None else str(numbers.plain(value))


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


# A test's result is asked for this often, this many times, before the page gives up waiting.
TEST_POLL_S = 1
TEST_POLL_TRIES = 30


def _channel_label(channel: str) -> str:
    return AlertEvent.Channel(channel).label if channel in AlertEvent.Channel.values else channel


@login_required
@require_POST
def test_alert_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a test alert on one of a rule's channels; answers its result, pending at first."""
    rule = get_object_or_404(services.visible_alert_rules(request.user), pk=pk)
    channel = request.POST.get("channel", "")
    context = {"rule": rule, "channel": channel, "label": _channel_label(channel)}
    if refused := throttles.take(request, throttles.ALERT_TEST, throttles.user_key(request.user)):
        context["refused"] = f"Too many tests: try again in {refused.retry_after_s} s."
    else:
        try:
            context["test_id"] = delivery.queue_test_alert(rule, channel, alert_queue)
        except delivery.AlertTestRefused as exc:
            context["refused"] = f"Not sent: {exc}."
    return render(request, "accounts/alerts.html#test_result", {**context, "tries": 0, "poll_s": TEST_POLL_S})


@login_required
@require_GET
def test_alert_result(request: HttpRequest, pk: int, test_id: str) -> HttpResponse:
    """A queued test's outcome (its alert history row); polled by the page until it is known."""
    rule = get_object_or_404(services.visible_alert_rules(request.user), pk=pk)
    channel = request.GET.get("channel", "")
    tries = int(request.GET["tries"]) if request.GET.get("tries", "").isdigit() else 0
    context = {
        "rule": rule,
        "channel": channel,
        "label": _channel_label(channel),
        "test_id": test_id,
        "event": services.visible_test_alert(request.user, test_id),
        "tries": tries + 1,
        "poll_s": TEST_POLL_S,
        "gave_up": tries + 1 >= TEST_POLL_TRIES,
    }
    return render(request, "accounts/alerts.html#test_result", context)
