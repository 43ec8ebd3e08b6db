"""Time zones stored as names: the one place that turns a name into a zone, with a fallback,
and into the words people read ("Eastern Time (New York)", never "America/New_York")."""

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The zones people in the United States live in, by their everyday names. A zone not here
# reads as its city ("Madrid time").
ZONE_NAMES = {
    "America/New_York": gettext_lazy("Eastern Time"),
    "America/Detroit": gettext_lazy("Eastern Time"),
    "America/Indiana/Indianapolis": gettext_lazy("Eastern Time"),
    "America/Kentucky/Louisville": gettext_lazy("Eastern Time"),
    "America/Chicago": gettext_lazy("Central Time"),
    "America/Denver": gettext_lazy("Mountain Time"),
    "America/Boise": gettext_lazy("Mountain Time"),
    "America/Phoenix": gettext_lazy("Mountain Time, no daylight saving"),
    "America/Los_Angeles": gettext_lazy("Pacific Time"),
    "America/Anchorage": gettext_lazy("Alaska Time"),
    "America/Juneau": gettext_lazy("Alaska Time"),
    "America/Adak": gettext_lazy("Hawaii-Aleutian Time"),
    "Pacific/Honolulu": gettext_lazy("Hawaii Time"),
    "America/Puerto_Rico": gettext_lazy("Atlantic Time"),
    "America/St_Thomas": gettext_lazy("Atlantic Time"),
    "Pacific/Guam": gettext_lazy("Chamorro Time"),
}
UNIVERSAL = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "GMT", "Etc/GMT"})


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.PRACTICE_TIME_ZONE)


def zone_or_practice(name: object) -> ZoneInfo:
    """The named zone, or the practice's own when the name is empty, not text or not a zone."""
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return practice_zone()


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_city(name: str) -> str:
    """The place a zone is named after: "America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(zone: "str | ZoneInfo | None") -> str:
    """How people read a zone: "Eastern Time (New York)", or "Madrid time" for a zone without
    an everyday name here. The one helper for every place a client sees a zone."""
    name = getattr(zone, "key", zone) or ""
    if name in UNIVERSAL:
        return _("Coordinated Universal Time (UTC)")
    if name in ZONE_NAMES:
        return _("%(zone)s (%(city)s)") % {"zone": ZONE_NAMES[name], "city": zone_city(name)}
    if not name:
        return ""
    return city_time_label(zone_city(name))


def city_time_label(city: str) -> str:
    return _("%(city)s time") % {"city": city}


def practice_today(now: dt.datetime | None = None) -> dt.date:
    """Today at the practice: a licence valid "until 30 June" is valid all of 30 June there,
    whatever the server's zone. Matching and the admin both decide expiry by this date."""
    return (now or timezone.now()).astimezone(practice_zone()).date()
