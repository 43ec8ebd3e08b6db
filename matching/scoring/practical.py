"""Practical fit: the times the client can make, and how soon the first consultation could
be. A tie-breaker, worth `Weights.practical_points` of the score (docs/domain.md,
"Practical fit")."""

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .profile import ClinicianProfile
from .words import Note, Wording

if TYPE_CHECKING:
    from .context import ClientContext

SOON_DAYS = 14.0  # a first slot this far away earns nothing for soonness
SOON_REASON_DAYS = 2.0
TIMES_SHARE = 0.6  # of the practical score; the rest is how soon the first slot is

_OFFERS = {
    "weekday mornings": lambda: _("Offers weekday morning times"),
    "weekday daytime": lambda: _("Offers weekday daytime times"),
    "weekday evenings": lambda: _("Offers evening times"),
    "weekends": lambda: _("Offers weekend times"),
}
_LACKS = {
    "weekday mornings": lambda: _("No weekday morning times"),
    "weekday daytime": lambda: _("No weekday daytime times"),
    "weekday evenings": lambda: _("No evening times"),
    "weekends": lambda: _("No weekend times"),
}
OFFERS_TIME = Wording(True, lambda code: _OFFERS[code]())
NO_TIME = Wording(False, lambda code: _LACKS[code]())
SOON = Wording(True, lambda _v: _("Has a consultation time in the next two days"))


def practical(
    c: "ClientContext", p: ClinicianProfile, *, now: dt.datetime, explain: bool = False
) -> tuple[float, list[Note] | None]:
    """Practical points (0–100), and with `explain` why; a clinician with no open slot (scored
    for the waiting list) gets nothing for how soon."""
    why: list[Note] | None = [] if explain else None
    times = c.times
    if times:
        buckets = p.time_buckets
        got = 0
        for code in times:
            if code in buckets:
                got += 1
                if why is not None:
                    why.append((OFFERS_TIME, code))
            elif why is not None:
                why.append((NO_TIME, code))
        fit = got / len(times)
    else:
        fit = 1.0
    if p.first_open_slot is None:
        # No open time (a fit for the waiting list): nothing for soonness.
        return 100.0 * TIMES_SHARE * fit, why
    hours = (p.first_open_slot - now).total_seconds() // 3600
    days = max(0.0, hours / 24.0)
    if why is not None and days <= SOON_REASON_DAYS:
        why.append((SOON, None))
    soon = max(0.0, 1.0 - days / SOON_DAYS)
    return 100.0 * (TIMES_SHARE * fit + (1.0 - TIMES_SHARE) * soon), why
