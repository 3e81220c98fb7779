"""`GET /api/prices` on the fast path (lib.fast_paths): a bearer token asking for JSON, with
no filter, is answered without leaving the event loop, with the semantics of
`arbitrage.api.PricesView` (the same authentication, user throttle and body); any other call is
PricesView's.

The document is rebuilt from the cache at most every `API_PRICES_CACHE_MS` (100 ms) in each
process, by one request while the others wait for it: a quote served here is at most that much
older than the cache's, which the engine refreshes every `ARBSITE_FANOUT_MS`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import HTTP_HEADER_ENCODING, serializers
from rest_framework.settings import api_settings

from accounts.api_auth import abearer_user
from accounts.throttles import auser_allowed
from arbitrage.api import PricesView
from arbitrage.prices_document import PricesDocument
from arbitrage.quote_cache import aread_quote_rows
from lib.fast_paths import allowed_methods, json_response, wants_json
from lib.refreshed import Refreshed


async def _build_document() -> PricesDocument:
    return PricesDocument(await aread_quote_rows())


prices_cache: Refreshed[PricesDocument] = Refreshed(_build_document, lambda: settings.API_PRICES_CACHE_MS / 1000)
_ALLOW = allowed_methods(PricesView)
_timestamp = serializers.DateTimeField()


def _authorization(request: HttpRequest) -> bytes | None:
    value = request.META.get("HTTP_AUTHORIZATION")
    return value.encode(HTTP_HEADER_ENCODING) if value else None


async def prices(request: HttpRequest) -> HttpResponse | None:
    # Parameters name exchanges, which are checked against the database: PricesView's calls.
    if not wants_json(request) or set(request.GET) - {api_settings.URL_FORMAT_OVERRIDE}:
        return None
    user = await abearer_user(_authorization(request))
    if user is None or not await auser_allowed(user):
        return None
    document = await prices_cache.get()
    return json_response(document.render(_timestamp.to_representation(timezone.now())), allow=_ALLOW)
