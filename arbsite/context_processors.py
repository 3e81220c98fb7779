from django.conf import settings
from django.core.cache import cache

from accounts.notification_preferences import notification_preferences
from feeds.status import SIMULATED_KEY


def arbsite(request):
    """`SIMULATED`: this process was started with --simulate, or a feed worker streams simulated
    data; `NOTIFICATION_PREFS`: how the user's pages signal their in-app alerts."""
    user = getattr(request, "user", None)
    context = {"SIMULATED": settings.SIMULATED or bool(cache.get(SIMULATED_KEY))}
    if user is not None and user.is_authenticated:
        context["NOTIFICATION_PREFS"] = notification_preferences(user).as_dict()
    return context
