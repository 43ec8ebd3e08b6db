"""Time zones stored as names: the one place that turns a name into a zone, with a fallback."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


def zone_or_practice(name: str | None) -> ZoneInfo:
    """The named zone, or the practice's own when the name is empty or not a zone."""
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo(settings.PRACTICE_TIME_ZONE)
