"""Time zones stored as names: the one place that turns a name into a zone, with a fallback."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.PRACTICE_TIME_ZONE)


def zone_or_practice(name: object) -> ZoneInfo:
    """The named zone, or the practice's own when the name is empty, not text or not a zone."""
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return practice_zone()


def practice_today(now: dt.datetime | None = None) -> dt.date:
    """Today at the practice: a licence valid "until 30 June" is valid all of 30 June there,
    whatever the server's zone. Matching and the admin both decide expiry by this date."""
    return (now or timezone.now()).astimezone(practice_zone()).date()
