"""ASGI entry point: HTTP through Django (the hottest GETs first through arbsite.fast_paths), /ws
through Channels (session or JWT, see accounts.ws_auth)."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arbsite.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.ws_auth import JWTAuthMiddlewareStack  # noqa: E402
from arbitrage import fast_api  # noqa: E402
from arbitrage.consumers import LiveFeedConsumer  # noqa: E402
from arbsite.fast_paths import FastPaths  # noqa: E402
from arbsite.health import health  # noqa: E402


class BrowserOriginValidator(OriginValidator):
    """Browsers always send Origin, and it must be one of ALLOWED_HOSTS; programs (bots)
    send none and authenticate themselves, so a missing Origin is not refused."""

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or self.validate_origin(parsed_origin)


websocket_urlpatterns = [path("ws", LiveFeedConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": FastPaths(django_asgi_app, {"/api/prices": fast_api.prices, "/health": health}),
        "websocket": BrowserOriginValidator(
            JWTAuthMiddlewareStack(URLRouter(websocket_urlpatterns)), settings.ALLOWED_HOSTS
        ),
    }
)

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: kept
# out of the collector's full passes, which otherwise stopped the event loop for 100+ ms.
gc.freeze()
