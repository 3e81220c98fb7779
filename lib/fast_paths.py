"""The hottest GET endpoints, answered before Django's request handler when the call is plain.

Profiled under daphne on two cores, Django's ASGI handler alone capped an empty async view
near 660 requests/s: per request it creates and joins a thread (ThreadSensitiveContext), runs
the request_started/request_finished receivers in it, and each stock middleware hops to it
twice. A route here takes the request as Django would build it (an ASGIRequest: same host
check, query parsing, headers) and either answers it or returns None to let Django answer.
Anything but the plain case (a session, the browsable API, a bad token or parameter, a
throttled caller, an outage) goes through Django and DRF, which stay the reference for every
answer; the headers the middleware adds are added here by the same middleware classes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable

from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from lib.service_watch import is_outage

logger = logging.getLogger(__name__)

Route = Callable[[HttpRequest], Awaitable[HttpResponse | None]]

# The middleware that shapes a plain JSON answer's headers (the others add nothing to it).
RESPONSE_MIDDLEWARE = (SecurityMiddleware, CommonMiddleware, XFrameOptionsMiddleware)


def _unused(request):  # middleware needs a get_response; only process_response is called here
    raise AssertionError


class FastPaths:
    """An ASGI app: GET requests to `routes` may be answered here; everything goes to `django`."""

    def __init__(self, django: ASGIHandler, routes: dict[str, Route]) -> None:
        self.django = django
        self.routes = routes

    async def __call__(self, scope, receive, send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if route is not None and (response := await self._answer(route, scope)) is not None:
            await self.django.send_response(response, send)
            return
        await self.django(scope, receive, send)

    async def _answer(self, route: Route, scope) -> HttpResponse | None:
        request = ASGIRequest(scope, io.BytesIO())
        try:
            request.get_host()
            response = await route(request)
        except DisallowedHost:
            return None
        except Exception as exc:
            if not is_outage(exc):
                logger.exception("fast path for %s failed; Django answers instead", scope["path"])
            return None  # an outage: Django answers it, as a 503 (arbsite.outages)
        if response is not None:
            for middleware in RESPONSE_MIDDLEWARE:
                response = middleware(_unused).process_response(request, response)
        return response


def wants_json(request: HttpRequest) -> bool:
    """DRF's content negotiation (Accept, ?format=) picks its JSON renderer, not the browsable API."""
    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES
    if (
        renderer_classes[0] is JSONRenderer
        and request.META.get("HTTP_ACCEPT", "*/*") in ("*/*", "application/json")
        and api_settings.URL_FORMAT_OVERRIDE not in request.GET
    ):
        return True  # what DRF would pick, decided without building its Request
    renderers = [renderer() for renderer in renderer_classes]
    try:
        renderer, _ = DefaultContentNegotiation().select_renderer(Request(request), renderers)
    except Exception:  # NotAcceptable or a malformed header: DRF's answer
        return False
    return isinstance(renderer, JSONRenderer)


def allowed_methods(view_class: type[APIView]) -> str:
    """The `Allow` header DRF gives the view's answers."""
    view = view_class()
    view.setup(None)  # adds HEAD where there is GET, as for a real request
    return ", ".join(view.allowed_methods)


def json_response(body: bytes, *, allow: str) -> HttpResponse:
    """A 200 JSON answer with the headers DRF gives one (`allow`: from `allowed_methods`)."""
    response = HttpResponse(body, content_type="application/json")
    response["Vary"] = "Accept"
    response["Allow"] = allow
    return response
