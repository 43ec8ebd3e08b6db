import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Value

from clinicians.models import (
    AGE_BANDS,
    FORMATS,
    Approach,
    Clinician,
    Community,
    Concern,
    ConsultationHours,
    InsurancePlan,
    Language,
    License,
    Office,
    age_field,
    format_field,
)
from consultations import feedback
from consultations import selectors as consultation_selectors

from .intake_schema import IntakeAnswers, Vocabularies, parse_intake
from .models import MatchingSettings
from .scoring import (
    BAND_FOR,
    REMOTE_FORMATS,
    WHERE_KEYS,
    ClientContext,
    ClinicianProfile,
    Ranking,
    Weights,
    hard_filter_failures,
    rank,
)
from .vocab import GOAL_TAGS

_VOCABULARY_MODELS = {
    "concerns": Concern,
    "approaches": Approach,
    "languages": Language,
    "insurance": InsurancePlan,
    "communities": Community,
    "offices": Office,
}
_SCALARS = (
    "pk",
    "email",
    "is_active",
    "accepting_new_clients",
    "gender",
    "lgbtq_affirming",
    "faith_informed",
    "style_lead",
    "style_focus",
    "style_time",
    "style_challenge",
    "self_pay_fee",
    "sliding_scale_min",
    *(age_field(code) for code, _label in AGE_BANDS),
    *(format_field(code) for code, _label in FORMATS),
)
_AGE_CODES = tuple(code for code, _label in AGE_BANDS)
_FORMAT_CODES = tuple(code for code, _label in FORMATS)


def matching_vocabularies() -> Vocabularies:
    """Every vocabulary name the intake may use, in one query."""
    queries = [
        model.objects.annotate(kind=Value(key)).values_list("kind", "name").order_by()
        for key, model in _VOCABULARY_MODELS.items()
    ]
    names: dict[str, list[str]] = {key: [] for key in _VOCABULARY_MODELS}
    for kind, name in queries[0].union(*queries[1:], all=True):
        names[kind].append(name)
    return Vocabularies.from_names(**names)


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(settings.PRACTICE_TIME_ZONE)).date()


def clinician_profiles(
    *,
    answers: IntakeAnswers,
    now: dt.datetime,
    exclude_ids: Iterable[int] = (),
    prefilter: bool = True,
    relaxation_threshold: int = 3,
) -> list[ClinicianProfile]:
    """Profiles of the active clinicians, resolved for this client, in a constant number of
    queries whatever the roster size.

    With `prefilter`, the hard filters no preference can relax (accepting, age band or
    couples/families, a licence in the client's state for video or phone) run in SQL; without
    it every active clinician comes back, so each can be listed with its reasons. Many-to-many
    sets hold only the names this client asked about: that is all scoring compares."""
    today = _today(now)
    rows = Clinician.objects.filter(is_active=True)
    if prefilter:
        band = BAND_FOR.get(answers.for_whom, answers.age_band)
        rows = rows.filter(accepting_new_clients=True, **{age_field(band): True})
        if answers.format in REMOTE_FORMATS:
            rows = rows.filter(
                Exists(
                    License.objects.filter(
                        clinician=OuterRef("pk"), state=answers.state, expires_on__gte=today
                    )
                )
            )
    active = Clinician.objects.filter(is_active=True)

    def members(through, name_field: str, names: Iterable[str]) -> dict[int, set[str]]:
        """clinician id → those of `names` linked to them (one query; none without names)."""
        names = list(names)
        out: dict[int, set[str]] = defaultdict(set)
        if not names:
            return out
        lookup = {f"{name_field}__name__in": names, "clinician__in": active}
        for cid, name in through.objects.filter(**lookup).values_list(
            "clinician_id", f"{name_field}__name"
        ):
            out[cid].add(name)
        return out

    def pref(key: str) -> list[str]:
        p = answers.preference(key)
        return [p.value] if p.importance != "none" and p.value else []

    goal_concerns = set(answers.concerns)
    for tag in answers.goal_tags:
        goal_concerns.update(GOAL_TAGS[tag])
    languages = members(Clinician.languages.through, "language", pref("language"))
    communities = members(Clinician.communities.through, "community", pref("community"))
    plans = [answers.payment.insurance] if answers.payment.insurance else []
    insurance = members(Clinician.insurance.through, "insuranceplan", plans)
    offices = members(Clinician.offices.through, "office", answers.offices)
    concerns = members(Clinician.concerns.through, "concern", goal_concerns)
    focus = members(Clinician.focus_concerns.through, "concern", goal_concerns)
    approaches = members(
        Clinician.approaches.through,
        "approach",
        set(answers.approaches_wanted) | set(answers.approaches_avoided),
    )
    licensed = set(
        License.objects.filter(
            state=answers.state, expires_on__gte=today, clinician__in=active
        ).values_list("clinician_id", flat=True)
    )
    empty: frozenset[str] = frozenset()
    state_set = frozenset([answers.state])

    profiles = []
    for row in rows.values_list(*_SCALARS).order_by("pk"):
        cid = row[0]
        ages = frozenset(code for code, flag in zip(_AGE_CODES, row[13:19], strict=True) if flag)
        formats = frozenset(
            code for code, flag in zip(_FORMAT_CODES, row[19:22], strict=True) if flag
        )
        profiles.append(
            ClinicianProfile(
                id=cid,
                email=row[1],
                is_active=row[2],
                accepting=row[3],
                gender=row[4].strip().casefold(),
                lgbtq_affirming=row[5],
                faith_informed=row[6],
                style=(row[7], row[8], row[9], row[10]),
                self_pay_fee=row[11],
                sliding_scale_min=row[12],
                ages=ages,
                formats=formats,
                languages=frozenset(languages.get(cid, empty)),
                communities=frozenset(communities.get(cid, empty)),
                insurance=frozenset(insurance.get(cid, empty)),
                offices=frozenset(offices.get(cid, empty)),
                concerns=frozenset(concerns.get(cid, empty)),
                focus_concerns=frozenset(focus.get(cid, empty)),
                approaches=frozenset(approaches.get(cid, empty)),
                licensed_states=state_set if cid in licensed else empty,
            )
        )

    # Open slots, hours and feedback only for clinicians who pass; for those who nearly pass
    # (the "relax one preference" counts) only when too few pass. The slot search is the costly
    # part, so this keeps it to the clinicians that can change what the client sees.
    exclude_ids = frozenset(exclude_ids)
    context = ClientContext(answers)
    passing, near = [], []
    for p in profiles:
        failed = hard_filter_failures(context, p, exclude_ids)
        if not failed:
            passing.append(p.id)
        elif len(failed) == 1 or set(failed) <= WHERE_KEYS:
            near.append(p.id)
    open_slots = _open_slots(passing, now)
    if sum(1 for cid in passing if open_slots[cid]) < relaxation_threshold:
        open_slots.update(_open_slots(near, now))
    wanted = [cid for cid in passing + near if cid in open_slots]
    counts = feedback.clinician_felt_heard_counts(clinician_ids=wanted) if wanted else {}
    buckets = _time_buckets(wanted, answers, now) if answers.times and wanted else {}
    out = []
    for p in profiles:
        if p.id in open_slots:
            slots = open_slots[p.id]
            p = replace(
                p,
                first_open_slot=slots[0] if slots else None,
                felt_heard=counts.get(p.id, (0, 0)),
                time_buckets=buckets.get(p.id, empty),
            )
        out.append(p)
    return out


def _open_slots(clinician_ids: list[int], now: dt.datetime) -> dict[int, list[dt.datetime]]:
    if not clinician_ids:
        return {}
    return consultation_selectors.clinicians_open_slots(
        clinician_ids=clinician_ids, now=now, limit=1
    )


def _time_buckets(
    clinician_ids: list[int], answers: IntakeAnswers, now: dt.datetime
) -> dict[int, frozenset[str]]:
    """Which of the intake's time choices each clinician's weekly hours touch, in the client's
    zone (this week's offsets, so daylight saving is taken as it is now)."""
    client_zone = ZoneInfo(answers.timezone or settings.PRACTICE_TIME_ZONE)
    found: dict[int, set[str]] = defaultdict(set)
    rows = ConsultationHours.objects.filter(clinician_id__in=clinician_ids).values_list(
        "clinician_id", "clinician__timezone", "weekday", "start", "end"
    )
    for cid, zone_name, weekday, start, end in rows:
        zone = ZoneInfo(zone_name)
        local_today = now.astimezone(zone).date()
        date = local_today + dt.timedelta(days=(weekday - local_today.weekday()) % 7)
        begin = dt.datetime.combine(date, start, tzinfo=zone).astimezone(client_zone)
        finish = dt.datetime.combine(date, end, tzinfo=zone).astimezone(client_zone)
        found[cid].update(time_buckets_between(begin, finish))
    return {cid: frozenset(b) for cid, b in found.items()}


def time_buckets_between(begin: dt.datetime, finish: dt.datetime) -> set[str]:
    """The intake's time choices a window touches: weekday mornings before 10, daytime 10 to 5,
    evenings after 5, weekends."""
    out = set()
    cursor = begin
    while cursor < finish:
        midnight = dt.datetime.combine(
            cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=cursor.tzinfo
        )
        stop = min(finish, midnight)
        if cursor.weekday() >= 5:
            out.add("weekends")
        else:
            lo = cursor.hour * 60 + cursor.minute
            hi = (stop - cursor.replace(hour=0, minute=0, second=0)).total_seconds() / 60
            if lo < 10 * 60:
                out.add("weekday mornings")
            if lo < 17 * 60 and hi > 10 * 60:
                out.add("weekday daytime")
            if hi > 17 * 60:
                out.add("weekday evenings")
        cursor = stop
    return out


def intake_match_list(
    *,
    answers: dict,
    now: dt.datetime,
    exclude_clinician_ids: Iterable[int] = (),
    list_all_exclusions: bool = False,
) -> Ranking:
    """Rank the practice's clinicians for raw intake answers: the one code path behind the
    results page and the `match` command. Raises IntakeInvalid for malformed answers.

    `list_all_exclusions` lists every active clinician in `excluded` (the command); otherwise
    clinicians that fail a filter no preference can relax are dropped in SQL, unlisted."""
    parsed = parse_intake(answers, vocabularies=matching_vocabularies())
    excluded = frozenset(exclude_clinician_ids)
    weights = Weights.from_settings(MatchingSettings.load())
    profiles = clinician_profiles(
        answers=parsed,
        now=now,
        exclude_ids=excluded,
        prefilter=not list_all_exclusions,
        relaxation_threshold=weights.relaxation_threshold,
    )
    return rank(
        parsed,
        profiles,
        practice_felt_heard=feedback.practice_felt_heard_rate(),
        weights=weights,
        now=now,
        excluded_ids=excluded,
    )
