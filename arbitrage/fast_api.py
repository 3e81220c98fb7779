"""`GET /api/prices` on the fast path (arbsite.fast_paths): a bearer token asking for JSON, with
no filter, is answered without leaving the event loop, with the semantics of
`arbitrage.api.PricesView` (the same authentication, user throttle and body); any other call is
PricesView's.

The document is rebuilt from the cache at most every `API_PRICES_CACHE_MS` (100 ms) in each
process, by one request while the others wait for it: a quote served here is at most that much
older than the cache's, which the engine refreshes every `ARBSITE_FANOUT_MS`.
"""

from __future__ import annotations

import asyncio
import time

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
from arbsite.fast_paths import allowed_methods, json_response, wants_json


class _PricesCache:
    def __init__(self) -> None:
        self.document: PricesDocument | None = None
        self.built_at = 0.0  # monotonic s
        self.building: asyncio.Future | None = None

    def forget(self) -> None:
        self.document, self.building = None, None

    async def current(self) -> PricesDocument:
        if self.document is not None and time.monotonic() - self.built_at < settings.API_PRICES_CACHE_MS / 1000:
            return self.document
        building = self.building
        if building is None or building.get_loop() is not asyncio.get_running_loop():
            building = self.building = asyncio.ensure_future(self._build())
        return await asyncio.shield(building)

    async def _build(self) -> PricesDocument:
        started = time.monotonic()
        try:
            document = PricesDocument(await aread_quote_rows())
        finally:
            self.building = None
        self.document, self.built_at = document, started
        return document


prices_cache = _PricesCache()
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
    document = await prices_cache.current()
    return json_response(document.render(_timestamp.to_representation(timezone.now())), allow=_ALLOW)
