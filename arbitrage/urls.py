"""Page URLs of the arbitrage app (the API has its own module)."""

from django.urls import path

from arbitrage import views

urlpatterns = [
    path("", views.home, name="dashboard"),  # the API root to API clients
    path("prices/search", views.price_search, name="price-search"),  # the Prices page's filter
    path("opportunities/", views.opportunities, name="opportunities"),
    path("funding/", views.funding, name="funding"),
    path("replay/", views.replay, name="replay"),
    # Canonical names hold "/" and ":": the path converter takes them as they are.
    path("instruments/<path:instrument>/", views.instrument, name="instrument"),
]
