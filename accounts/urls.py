"""Page URLs of accounts: Django's auth views and names, with the login page throttled."""

from __future__ import annotations

from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    *(pattern for pattern in auth_urls.urlpatterns if pattern.name != "login"),
]

# The browsable API's log in / log out links (namespace "rest_framework"), on the same throttle.
browsable_api_urlpatterns = [
    path("login/", LoginView.as_view(template_name="rest_framework/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
