"""Request-wide settings that depend on who is reading."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def practice_time_in_admin(get_response):
    """Staff read times in the admin in the practice's own zone, the one they work in; the
    rest of the site names the zone beside every time it shows."""
    prefix = "/" + settings.ADMIN_URL
    zone = ZoneInfo(settings.PRACTICE_TIME_ZONE)

    def middleware(request):
        if not request.path.startswith(prefix):
            return get_response(request)
        timezone.activate(zone)
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
