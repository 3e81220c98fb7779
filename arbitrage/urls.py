"""Page URLs of the arbitrage app (the API has its own module)."""

from django.urls import path

from arbitrage import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
