"""ASGI entry point: HTTP through Django (the hottest GETs first through lib.fast_paths), /ws
through Channels (session or JWT, see accounts.ws_auth; browsers from this site's own origin only,
see accounts.ws_origin)."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbsite.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.ws_auth import JWTAuthMiddlewareStack  # noqa: E402
from accounts.ws_origin import SameOriginValidator  # noqa: E402
from arbitrage import fast_api, socket_writer  # noqa: E402
from arbitrage.consumers import LiveFeedConsumer  # noqa: E402
from arbsite.health import health  # noqa: E402
from lib.fast_paths import FastPaths  # noqa: E402

if settings.WS_COMPRESSION:
    socket_writer.install_deflate()

websocket_urlpatterns = [path("ws", LiveFeedConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": FastPaths(django_asgi_app, {"/api/prices": fast_api.prices, "/health": health}),
        "websocket": SameOriginValidator(JWTAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: kept
# out of the collector's full passes, which otherwise stopped the event loop for 100+ ms.
gc.freeze()
