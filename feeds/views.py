from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from feeds.exchanges import CONNECTORS
from feeds.status import status_key


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """Each exchange's feed as its worker last reported it; the table refreshes itself."""
    found = cache.get_many([status_key(eid) for eid in CONNECTORS])
    now_ms = time.time_ns() // 1_000_000
    rows = []
    for exchange_id, connector in CONNECTORS.items():
        status = found.get(status_key(exchange_id)) or {"state": "not running"}
        last = status.get("last_message_ms")
        rows.append(
            {
                "id": exchange_id,
                "name": connector.name,
                "status": status,
                "last_message_age_s": round((now_ms - last) / 1000, 1) if last else None,
                "connected_for_s": round((now_ms - status["connected_since_ms"]) / 1000)
                if status.get("connected_since_ms")
                else None,
            }
        )
    template = "feeds/status.html#table" if request.htmx else "feeds/status.html"
    return render(request, template, {"rows": rows})
