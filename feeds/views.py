from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from feeds.configuration import exchange_names, expected_exchanges
from feeds.freshness import expected_cadence_ms, judge_feed
from feeds.status import status_key
from lib import clock


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """Each exchange's feed as its worker last reported it, judged by how recently data arrived
    (feeds.freshness: amber while silent, red when down); the table refreshes itself. An
    exchange switched off (admin → Exchanges) is not listed: nobody expects it to run."""
    exchanges = exchange_names(enabled_only=True)
    max_quote_age_ms = expected_exchanges()
    found = cache.get_many([status_key(eid) for eid in exchanges])
    now_ms = clock.now_ms()
    silent_after_ms, down_after_ms = int(settings.FEED_SILENT_S * 1000), int(settings.FEED_STALL_TIMEOUT_S * 1000)
    rows = []
    for exchange_id, name in exchanges.items():
        reported = found.get(status_key(exchange_id))
        status = reported or {"state": "not running"}
        last, error_ms = status.get("last_message_ms"), status.get("last_error_ms")
        rows.append(
            {
                "id": exchange_id,
                "name": name,
                "status": status,
                "freshness": judge_feed(
                    reported,
                    now_ms,
                    expected_cadence_ms(silent_after_ms, max_quote_age_ms.get(exchange_id)),
                    down_after_ms,
                ),
                "last_message_age_s": round((now_ms - last) / 1000, 1) if last else None,
                "connected_for_s": round((now_ms - status["connected_since_ms"]) / 1000)
                if status.get("connected_since_ms")
                else None,
                "connected_for_ms": max(0, now_ms - status["connected_since_ms"])
                if status.get("connected_since_ms")
                else None,
                "last_error_at": datetime.fromtimestamp(error_ms / 1000, UTC) if error_ms else None,
                "last_error_age_s": round((now_ms - error_ms) / 1000) if error_ms else None,
                "last_error_age_ms": max(0, now_ms - error_ms) if error_ms else None,
            }
        )
    template = "feeds/status.html#table" if request.htmx else "feeds/status.html"
    context = {
        "rows": rows,
        "silent_after_s": f"{settings.FEED_SILENT_S:g}",
        "down_after_s": f"{settings.FEED_STALL_TIMEOUT_S:g}",
    }
    return render(request, template, context)
