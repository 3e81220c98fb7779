from django.contrib import admin
from django.urls import include, path

from accounts.auth_views import limit_password_attempts
from arbsite.health import health

# The admin's pages and its login carry the site's name, not Django's.
admin.site.site_header = "Arbsite administration"
admin.site.site_title = "Arbsite admin"
admin.site.index_title = "Exchanges, instruments, users and alerts"

urlpatterns = [
    path("health", health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("api/", include("arbsite.api_urls")),
    # The admin's login, ahead of the admin's own route to it: password attempts counted with the others.
    path("admin/login/", limit_password_attempts(admin.site.login)),
    path("admin/", admin.site.urls),
    path("feeds/", include("feeds.urls")),
    path("paper/", include("paper.urls")),
    path("", include("arbitrage.urls")),
]
