from django.conf import settings
from django.core.cache import cache

from feeds.status import SIMULATED_KEY


def arbsite(request):
    """`SIMULATED`: this process was started with --simulate, or a feed worker streams simulated data."""
    return {"SIMULATED": settings.SIMULATED or bool(cache.get(SIMULATED_KEY))}
