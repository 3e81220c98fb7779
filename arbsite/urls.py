from django.contrib import admin
from django.urls import include, path

from arbitrage import views as arbitrage_views
from arbsite.health import health

urlpatterns = [
    path("", arbitrage_views.dashboard, name="dashboard"),
    path("health", health, name="health"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
