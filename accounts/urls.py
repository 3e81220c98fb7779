"""Page URLs of accounts: Django's auth views and names (login throttled, password reset only
with real mail), sign up, email verification, the user's watched instruments, fees and
defaults, notification preferences, API tokens, and alert rules."""

from __future__ import annotations

from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as django_auth_views
from django.urls import path

from accounts import auth_views, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("signup/", auth_views.signup, name="signup"),
    path("verify-email/", auth_views.send_verification_email, name="send-verification-email"),
    path("verify-email/<str:token>/", auth_views.verify_email, name="verify-email"),
    path("settings/", views.watchlist, name="settings"),
    path("settings/watched/<int:pk>/remove/", views.unwatch, name="unwatch"),
    path("settings/trading/", views.trading_settings, name="trading-settings"),
    path("settings/notifications/", views.notification_settings, name="notification-settings"),
    path("settings/tokens/", views.new_api_token, name="api-tokens"),
    path("settings/tokens/revoke-all/", views.revoke_all_api_tokens, name="api-tokens-revoke-all"),
    path("settings/tokens/<str:jti>/revoke/", views.revoke_api_token, name="api-token-revoke"),
    path("alerts/", views.alert_rules, name="alerts"),
    path("alerts/<int:pk>/", views.alert_rule, name="alert-rule"),
    path("alerts/<int:pk>/toggle/", views.toggle_alert_rule, name="alert-rule-toggle"),
    path("alerts/<int:pk>/delete/", views.delete_alert_rule, name="alert-rule-delete"),
    path("alerts/<int:pk>/test/", views.test_alert_rule, name="alert-rule-test"),
    path("alerts/<int:pk>/test/<str:test_id>/", views.test_alert_result, name="alert-rule-test-result"),
    *(pattern for pattern in auth_urls.urlpatterns if pattern.name not in {"login", "password_reset"}),
]

# The browsable API's log in / log out links (namespace "rest_framework"), on the same throttle.
browsable_api_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="rest_framework/login.html"), name="login"),
    path("logout/", django_auth_views.LogoutView.as_view(), name="logout"),
]
