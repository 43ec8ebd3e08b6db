import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.core.files.storage import default_storage
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

from .models import (
    AGE_BANDS,
    FORMATS,
    PROFILE_M2M_FIELDS,
    WEEKDAY_KEYS,
    Clinician,
    Concern,
    ConsultationHours,
    Language,
    License,
    ProfileProposal,
    age_field,
    format_field,
    term_label,
)
from .proposals import (
    PHOTO,
    PHOTO_NEW,
    PROPOSAL_FIELDS,
    STYLE,
    TERM_FIELDS,
    TERMS,
    VALUE_FIELDS,
)
from .style import STYLE_POLES
from .zones import practice_today

# The directory's payment filter for clinicians with a self-pay fee (else an insurance plan's id).
SELF_PAY = "self-pay"
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
        "intro": clinician.intro,
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
        "video_link": clinician.video_url,
        "active": clinician.is_active,
    }


def clinician_roster_queryset() -> QuerySet[Clinician]:
    return Clinician.objects.prefetch_related(*ROSTER_PREFETCH).order_by("email")


def clinician_roster_export() -> list[dict]:
    """Every clinician, active or not, in the interchange format, ordered by email."""
    return [clinician_roster_row(clinician) for clinician in clinician_roster_queryset()]


def clinician_directory_list(
    *,
    state: str | None = None,
    payment: str | None = None,
    fmt: str | None = None,
    language: Language | None = None,
    concern: Concern | None = None,
    age: str | None = None,
    accepting: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Clinician]:
    """Active clinicians for the public directory, with what a card shows, in name order.

    `state`: licensed there, unexpired; `payment`: "self-pay" or an insurance plan's id. Each
    filter is a semi-join, so a page costs the same queries whatever the filters and roster size."""
    clinicians = Clinician.objects.filter(is_active=True)
    if state:
        clinicians = clinicians.filter(
            Exists(
                License.objects.filter(
                    clinician=OuterRef("pk"),
                    state=state,
                    expires_on__gte=today or practice_today(),
                )
            )
        )
    if payment == SELF_PAY:
        clinicians = clinicians.filter(self_pay_fee__isnull=False)
    elif payment:
        clinicians = clinicians.filter(
            Exists(
                Clinician.insurance.through.objects.filter(
                    clinician=OuterRef("pk"), insuranceplan_id=payment
                )
            )
        )
    if fmt in dict(FORMATS):
        clinicians = clinicians.filter(**{format_field(fmt): True})
    if language is not None:
        clinicians = clinicians.filter(
            Exists(
                Clinician.languages.through.objects.filter(
                    clinician=OuterRef("pk"), language=language
                )
            )
        )
    if concern is not None:
        clinicians = clinicians.filter(
            Exists(
                Clinician.concerns.through.objects.filter(clinician=OuterRef("pk"), concern=concern)
            )
        )
    if age in dict(AGE_BANDS):
        clinicians = clinicians.filter(**{age_field(age): True})
    if accepting:
        clinicians = clinicians.filter(accepting_new_clients=True)
    # The primary key last keeps namesakes in one order, so no one appears on two pages.
    return clinicians.order_by("last_name", "first_name", "pk")


def clinician_directory_cards(*, page: QuerySet[Clinician]) -> list[Clinician]:
    """One page of `clinician_directory_list` with each card's names as arrays, in one query.

    The names are looked up for the page's rows only: PostgreSQL would work out a select
    list's subqueries for every row an OFFSET skips too."""
    return list(directory_cards_queryset(page))


def directory_cards_queryset(page: QuerySet[Clinician]) -> QuerySet[Clinician]:
    return (
        Clinician.objects.filter(pk__in=page.values("pk"))
        .order_by("last_name", "first_name", "pk")
        .annotate(
            credential_names=_names_of(Clinician.credentials.through, "credential"),
            concern_names=_names_of(Clinician.concerns.through, "concern"),
            focus_concern_names=_names_of(Clinician.focus_concerns.through, "concern"),
        )
    )


def _names_of(through, term: str) -> ArraySubquery:
    """A clinician's names from one vocabulary, in its order, as an array in the same row: a
    page of cards in one query instead of one more query per vocabulary. In Spanish, the
    names' Spanish where staff gave one."""
    name = F(f"{term}__name")
    if translation.get_language() == "es":
        name = Coalesce(NullIf(F(f"{term}__name_es"), Value("")), name)
    return ArraySubquery(
        through.objects.filter(clinician=OuterRef("pk"))
        .order_by(f"{term}__sort_order", f"{term}__name")
        .values(shown=name)
    )


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


# --- Profile changes a clinician proposes (proposals.py holds the fields and rules) ----------


def clinician_profile_values(clinician: Clinician) -> dict:
    """The clinician's approved profile as proposals.py reads it: plain values by field name,
    term ids sorted, the photo's stored name. One query per list of terms."""
    values = {name: getattr(clinician, name) for name in VALUE_FIELDS if name not in TERM_FIELDS}
    for name in TERM_FIELDS:
        values[name] = sorted(getattr(clinician, name).values_list("pk", flat=True))
    values["photo"] = clinician.photo.name or ""
    return values


def profile_proposals_pending_count() -> int:
    return ProfileProposal.objects.filter(status=ProfileProposal.Status.PENDING).count()


def profile_proposal_pending(*, clinician_id: int) -> ProfileProposal | None:
    return ProfileProposal.objects.filter(
        clinician_id=clinician_id, status=ProfileProposal.Status.PENDING
    ).first()


def profile_proposal_history(*, clinician_id: int) -> list[ProfileProposal]:
    """Every proposal of this clinician, newest first, the one waiting included."""
    return list(
        ProfileProposal.objects.filter(clinician_id=clinician_id).select_related("clinician")
    )


@dataclass(frozen=True)
class DiffRow:
    """One field of a proposal, before and after, as staff and the clinician read it."""

    name: str
    label: str
    kind: str
    before: object  # text, a list of names, a number, or a photo's URL ("" for none)
    after: object
    # For a style field: what 1 and 5 mean, in the words clients read.
    scale: tuple[str, str] | None = None

    @property
    def values(self) -> tuple:
        return (self.before, self.after)


def profile_proposal_diff(
    proposal: ProfileProposal, *, current: dict | None = None
) -> list[DiffRow]:
    """The fields a proposal changes, in the order of the portal's form, each before and after.

    "Before" is the approved profile now (`current`, read when not given) while the proposal
    waits, and what approving replaced once decided (or what was approved when it was made)."""
    before_values = dict(proposal.previous)
    if proposal.is_pending:
        live = current if current is not None else clinician_profile_values(proposal.clinician)
        before_values = {name: live.get(name) for name in proposal.changes}
    names = _term_names([before_values, proposal.changes])
    rows = []
    for field in PROPOSAL_FIELDS:
        if field.name not in proposal.changes:
            continue
        after = proposal.changes[field.name]
        before = before_values.get(field.name)
        if field.kind == PHOTO:
            after = proposal.photo.url if after == PHOTO_NEW and proposal.photo else ""
            # A replaced photo's files are deleted: an old "before" may be gone.
            before = (
                default_storage.url(before) if before and default_storage.exists(before) else ""
            )
        elif field.kind == TERMS:
            lookup = names.get(_vocabulary(field.name), {})
            before_ids, after_ids = set(before or ()), set(after or ())
            before = [name for pk, name in lookup.items() if pk in before_ids]
            after = [name for pk, name in lookup.items() if pk in after_ids]
        scale = None
        if field.kind == STYLE:
            _question, low, high = STYLE_POLES[field.name.removeprefix("style_")]
            scale = (str(low), str(high))
        rows.append(
            DiffRow(
                name=field.name,
                label=str(field.label),
                kind=field.kind,
                before=before,
                after=after,
                scale=scale,
            )
        )
    return rows


def _vocabulary(name: str):
    """The vocabulary model of one of the profile's lists of terms."""
    return Clinician._meta.get_field(name).related_model


def _term_names(value_sets: list[dict]) -> dict[type, dict[int, str]]:
    """Names of the terms these values name, by vocabulary model: one query per vocabulary."""
    wanted: dict[type, set[int]] = {}
    for values in value_sets:
        for name, value in values.items():
            if name in TERM_FIELDS:
                wanted.setdefault(_vocabulary(name), set()).update(value or ())
    # In the vocabulary's own order, and its reader's language, as lists read everywhere else.
    return {
        model: {
            pk: term_label(name, name_es)
            for pk, name, name_es in model.objects.filter(pk__in=ids)
            .order_by(*model._meta.ordering)
            .values_list("pk", "name", "name_es")
        }
        for model, ids in wanted.items()
    }


def clinician_faces(*, limit: int = 6) -> tuple[list[Clinician], int]:
    """A few active clinicians accepting new clients, those with a photo first, and how many
    active clinicians there are: the home page's welcome. Two queries."""
    active = Clinician.objects.filter(is_active=True)
    faces = list(
        active.filter(accepting_new_clients=True)
        .only("first_name", "last_name", "photo")
        .order_by(F("photo").desc(nulls_last=True), "last_name", "first_name")[:limit]
    )
    return faces, active.count()
