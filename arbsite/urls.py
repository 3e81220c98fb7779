from django.contrib import admin
from django.urls import include, path

from arbsite.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("api/", include("arbsite.api_urls")),
    path("admin/", admin.site.urls),
    path("feeds/", include("feeds.urls")),
    path("", include("arbitrage.urls")),
]
