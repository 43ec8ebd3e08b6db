import datetime as dt

from django.db.models import Prefetch, QuerySet

from .models import (
    FORMATS,
    PROFILE_M2M_FIELDS,
    WEEKDAY_KEYS,
    Clinician,
    Concern,
    ConsultationHours,
    Language,
    License,
    format_field,
)
from .zones import practice_today

# A licence expiring within this many days is flagged to staff.
LICENCE_SOON_DAYS = 60

ROSTER_PREFETCH = (
    *PROFILE_M2M_FIELDS,
    Prefetch("licenses", queryset=License.objects.order_by("state", "expires_on", "number")),
    Prefetch(
        "consultation_hours", queryset=ConsultationHours.objects.order_by("weekday", "start", "end")
    ),
)


def _names(terms) -> list[str]:
    return [term.name for term in sorted(terms, key=lambda term: (term.sort_order, term.name))]


def clinician_roster_row(clinician: Clinician) -> dict:
    """One clinician in the interchange format; expects ROSTER_PREFETCH to have been applied."""
    return {
        "email": clinician.email,
        "first_name": clinician.first_name,
        "last_name": clinician.last_name,
        "pronouns": clinician.pronouns,
        "credentials": _names(clinician.credentials.all()),
        "licenses": [
            {"state": lic.state, "number": lic.number, "expires": lic.expires_on.isoformat()}
            for lic in clinician.licenses.all()
        ],
        "bio": clinician.bio,
        "gender": clinician.gender,
        "communities": _names(clinician.communities.all()),
        "lgbtq_affirming": clinician.lgbtq_affirming,
        "faith_informed": clinician.faith_informed,
        "languages": _names(clinician.languages.all()),
        "concerns": _names(clinician.concerns.all()),
        "focus_concerns": _names(clinician.focus_concerns.all()),
        "approaches": _names(clinician.approaches.all()),
        "ages": clinician.ages,
        "formats": clinician.formats,
        "offices": _names(clinician.offices.all()),
        "style": clinician.style,
        "insurance": _names(clinician.insurance.all()),
        "self_pay_fee": clinician.self_pay_fee,
        "sliding_scale_min": clinician.sliding_scale_min,
        "accepting_new_clients": clinician.accepting_new_clients,
        "timezone": clinician.timezone,
        "consultation_hours": [
            {
                "weekday": WEEKDAY_KEYS[hours.weekday],
                "start": f"{hours.start:%H:%M}",
                "end": f"{hours.end:%H:%M}",
            }
            for hours in clinician.consultation_hours.all()
        ],
        "weekly_consultation_capacity": clinician.weekly_consultation_capacity,
        "video_link": clinician.video_link,
        "active": clinician.is_active,
    }


def clinician_roster_queryset() -> QuerySet[Clinician]:
    return Clinician.objects.prefetch_related(*ROSTER_PREFETCH).order_by("email")


def clinician_roster_export() -> list[dict]:
    """Every clinician, active or not, in the interchange format, ordered by email."""
    return [clinician_roster_row(clinician) for clinician in clinician_roster_queryset()]


def clinician_directory_list(
    *, concern: Concern | None = None, language: Language | None = None, fmt: str | None = None
) -> QuerySet[Clinician]:
    """Active clinicians for the public directory, with what a card shows."""
    clinicians = Clinician.objects.filter(is_active=True)
    if concern is not None:
        clinicians = clinicians.filter(
            pk__in=Clinician.concerns.through.objects.filter(concern=concern).values("clinician_id")
        )
    if language is not None:
        clinicians = clinicians.filter(
            pk__in=Clinician.languages.through.objects.filter(language=language).values(
                "clinician_id"
            )
        )
    if fmt in dict(FORMATS):
        clinicians = clinicians.filter(**{format_field(fmt): True})
    return clinicians.prefetch_related("credentials", "concerns", "focus_concerns")


def clinician_profile_get(*, slug: str) -> Clinician | None:
    """An active clinician with everything the public profile shows, or None."""
    return (
        Clinician.objects.filter(is_active=True, slug=slug)
        .prefetch_related(*(f for f in PROFILE_M2M_FIELDS if f != "communities"))
        .first()
    )


def licence_status(expires_on: dt.date | None, *, today: dt.date | None = None) -> str:
    """'expired', 'soon', 'ok', or '' without a licence."""
    if expires_on is None:
        return ""
    today = today or practice_today()
    if expires_on < today:
        return "expired"
    if expires_on <= today + dt.timedelta(days=LICENCE_SOON_DAYS):
        return "soon"
    return "ok"
