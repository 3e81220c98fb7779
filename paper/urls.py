"""Page URLs of the paper app (the API has its own, under /api/paper/)."""

from django.urls import path

from paper import views

urlpatterns = [
    path("", views.paper, name="paper"),
    path("wallets", views.wallet, name="paper-wallet"),
    path("close", views.close_pair, name="paper-close"),
    path("ticket", views.ticket, name="paper-ticket"),
    path("execute", views.execute, name="paper-execute"),
]
