import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from clinicians.models import (
    AGE_BANDS,
    FORMATS,
    PROFILE_M2M_FIELDS,
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
from clinicians.zones import practice_today, zone_or_practice
from config.snapshots import Snapshot
from config.sql import among
from consultations import feedback
from consultations import selectors as consultation_selectors
from consultations import slots as consultation_slots

from . import vocab
from .intake_schema import IntakeAnswers, Vocabularies, parse_intake
from .models import ClinicianStrength, Intake, MatchingSettings
from .scoring import (
    BAND_FOR,
    REMOTE_FORMATS,
    ClientContext,
    ClinicianProfile,
    Ranking,
    Weights,
    hard_filter_failures,
    near_miss,
    profile_from_fields,
    rank,
    with_availability,
)

_VOCABULARY_MODELS = {
    "concerns": Concern,
    "approaches": Approach,
    "languages": Language,
    "insurance": InsurancePlan,
    "communities": Community,
    "offices": Office,
}
# The profile's name sets, each a many-to-many field of Clinician with the same name
# (credentials are shown on the results page, never scored).
ROSTER_RELATIONS = tuple(field for field in PROFILE_M2M_FIELDS if field != "credentials")
_RELATION_VOCABULARY = {field: field for field in ROSTER_RELATIONS} | {"focus_concerns": "concerns"}
_AGE_CODES = tuple(code for code, _label in AGE_BANDS)
_FORMAT_CODES = tuple(code for code, _label in FORMATS)
_SCALARS = (
    "pk",
    "email",
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
    "timezone",
    *map(age_field, _AGE_CODES),
    *map(format_field, _FORMAT_CODES),
)
_age_flags = attrgetter(*map(age_field, _AGE_CODES))
_format_flags = attrgetter(*map(format_field, _FORMAT_CODES))
_style = attrgetter("style_lead", "style_focus", "style_time", "style_challenge")
_EMPTY: frozenset = frozenset()


class Roster:
    """The active clinicians' scalar fields and unexpired licences, indexed for the filters no
    preference relaxes; many-to-many sets and weekly hours are loaded on first ask and kept."""

    # Asked for more clinicians than this at once, load every link instead of listing ids.
    LOAD_ALL_ABOVE = 2000

    def __init__(
        self,
        *,
        vocabularies: Vocabularies,
        rows: dict[int, tuple],
        name_of: dict[str, Callable[[int], str]],
        licensed: dict[int, frozenset[str]],
        strengths: dict[int, tuple[tuple[str, float, int], ...]] | None = None,
    ):
        self.vocabularies = vocabularies
        # Strengths per concern (matching.models.ClinicianStrength), read with the roster.
        self._strengths = strengths or {}
        self.ids = tuple(rows)  # pk order
        self.zones = {cid: row.timezone for cid, row in rows.items()}
        self._rows = rows
        self._name_of = name_of
        self._licensed = licensed
        self._profiles: dict[int, ClinicianProfile] = {}
        self._hours: dict[int, tuple[tuple[int, dt.time, dt.time], ...]] = {}
        # (clinician, client's zone, clinician's local date) → the time choices their hours touch.
        self.buckets: dict[tuple[int, str, dt.date], frozenset[str]] = {}
        self._ages: dict[tuple, frozenset[str]] = {}
        self._formats: dict[tuple, frozenset[str]] = {}
        by_band: dict[str, set[int]] = defaultdict(set)
        by_state: dict[str, set[int]] = defaultdict(set)
        for cid, row in rows.items():
            for band in self._codes(self._ages, _AGE_CODES, _age_flags(row)):
                by_band[band].add(cid)
        for cid, states in licensed.items():
            if cid in rows:
                for state in states:
                    by_state[state].add(cid)
        self.accepting = frozenset(cid for cid, row in rows.items() if row.accepting_new_clients)
        self.by_band = {k: frozenset(v) for k, v in by_band.items()}
        self.by_state = {k: frozenset(v) for k, v in by_state.items()}

    @staticmethod
    def _codes(memo: dict, names: tuple[str, ...], flags: tuple) -> frozenset[str]:
        # Few distinct combinations: one frozenset each.
        found = memo.get(flags)
        if found is None:
            found = memo[flags] = frozenset(c for c, f in zip(names, flags, strict=True) if f)
        return found

    def profiles(self, ids: Iterable[int]) -> list[ClinicianProfile]:
        """Profiles of these active clinicians, in the order given."""
        ids = list(ids)
        missing = [cid for cid in ids if cid not in self._profiles]
        if missing:
            everyone = len(missing) > self.LOAD_ALL_ABOVE
            links: dict[str, dict[int, Iterable[int]]] = {field: {} for field in ROSTER_RELATIONS}
            for field, cid, targets in _relation_rows(None if everyone else missing):
                links[field][cid] = targets
            for cid in missing:
                self._profiles[cid] = self._build_profile(cid, links)
        return [self._profiles[cid] for cid in ids]

    def hours(self, ids: Iterable[int]) -> dict[int, tuple[tuple[int, dt.time, dt.time], ...]]:
        """Weekly consultation hours (weekday, start, end) of these clinicians."""
        ids = list(ids)
        missing = [cid for cid in ids if cid not in self._hours]
        if missing:
            found: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
            rows = ConsultationHours.objects.order_by()
            if len(missing) <= self.LOAD_ALL_ABOVE:
                rows = rows.filter(among(ConsultationHours, "clinician_id", missing))
            for cid, weekday, start, end in rows.values_list(
                "clinician_id", "weekday", "start", "end"
            ):
                found[cid].append((weekday, start, end))
            for cid in missing:
                self._hours[cid] = tuple(found.get(cid, ()))
        return {cid: self._hours[cid] for cid in ids}

    def _build_profile(self, cid: int, links: dict[str, dict[int, Iterable[int]]]):
        row = self._rows[cid]
        sets = {
            field: frozenset(map(self._name_of[field], links[field].get(cid, ())))
            for field in ROSTER_RELATIONS
        }
        return profile_from_fields(
            id=cid,
            email=row.email,
            is_active=True,
            accepting=row.accepting_new_clients,
            gender=row.gender.strip().casefold(),
            lgbtq_affirming=row.lgbtq_affirming,
            faith_informed=row.faith_informed,
            style=_style(row),
            self_pay_fee=row.self_pay_fee,
            sliding_scale_min=row.sliding_scale_min,
            ages=self._codes(self._ages, _AGE_CODES, _age_flags(row)),
            formats=self._codes(self._formats, _FORMAT_CODES, _format_flags(row)),
            licensed_states=self._licensed.get(cid, _EMPTY),
            strengths=self._strengths.get(cid, ()),
            **sets,
        )


# Rebuilt when matching's receivers (signals.py) say a clinician, their many-to-many sets,
# licences, consultation hours or a vocabulary changed, on a new practice day (licences expire),
# and at least every minute: queryset.update() sends no signal (pausing new clients), and the
# open-slot search rechecks "accepting" live anyway.
roster_snapshot: Snapshot[Roster] = Snapshot(
    key="matching:roster-version",
    build=lambda today: _build_roster(today=today),
    max_age_seconds=60,
)


def roster_changed() -> None:
    """Invalidate every process's roster snapshot."""
    roster_snapshot.invalidate()


def current_roster(*, now: dt.datetime) -> Roster:
    """The roster snapshot: no query when it is current, four whatever the roster size when
    it has to be built."""
    today = practice_today(now)
    return roster_snapshot.current(today) or _build_roster(today=today)


def _build_roster(*, today: dt.date) -> Roster:
    names, by_id = _vocabulary_rows()
    rows = {
        row.pk: row
        for row in Clinician.objects.filter(is_active=True)
        .order_by("pk")
        .values_list(*_SCALARS, named=True)
    }
    licensed: dict[int, set[str]] = defaultdict(set)
    for cid, state in License.objects.filter(
        expires_on__gte=today, clinician__is_active=True
    ).values_list("clinician_id", "state"):
        licensed[cid].add(state)
    strengths: dict[int, list[tuple[str, float, int]]] = defaultdict(list)
    for cid, concern_id, estimate, mean, clients in ClinicianStrength.objects.filter(
        clinician__is_active=True
    ).values_list("clinician_id", "concern_id", "estimate", "practice_mean", "clients"):
        strengths[cid].append((by_id["concerns"][concern_id], estimate - mean, clients))
    return Roster(
        strengths={cid: tuple(rows) for cid, rows in strengths.items()},
        vocabularies=Vocabularies.from_names(**names),
        rows=rows,
        name_of={
            field: by_id[_RELATION_VOCABULARY[field]].__getitem__ for field in ROSTER_RELATIONS
        },
        licensed={cid: frozenset(states) for cid, states in licensed.items()},
    )


def _vocabulary_rows() -> tuple[dict[str, list[str]], dict[str, dict[int, str]]]:
    """Every vocabulary's names, and its id → name map, in one query."""
    queries = [
        model.objects.annotate(kind=Value(key)).values_list("kind", "pk", "name").order_by()
        for key, model in _VOCABULARY_MODELS.items()
    ]
    names: dict[str, list[str]] = {key: [] for key in _VOCABULARY_MODELS}
    by_id: dict[str, dict[int, str]] = {key: {} for key in _VOCABULARY_MODELS}
    for kind, pk, name in queries[0].union(*queries[1:], all=True):
        names[kind].append(name)
        by_id[kind][pk] = name
    return names, by_id


def _relation_rows(ids: list[int] | None) -> Iterable[tuple[str, int, list[int]]]:
    """(profile set, clinician id, vocabulary ids) for these clinicians' many-to-many links (or
    everyone's, inactive ones simply not looked up), in one query."""
    queries = []
    for field in ROSTER_RELATIONS:
        through = getattr(Clinician, field).through
        target = next(
            f.attname
            for f in through._meta.fields
            if f.is_relation and f.related_model is not Clinician
        )
        rows = through.objects.annotate(kind=Value(field)).order_by()
        if ids is not None:
            rows = rows.filter(among(through, "clinician_id", ids))
        rows = rows.values("kind", "clinician_id").annotate(ids=ArrayAgg(target))
        queries.append(rows.values_list("kind", "clinician_id", "ids"))
    return queries[0].union(*queries[1:], all=True)


def matching_vocabularies() -> Vocabularies:
    """Every vocabulary name the intake may use, in one query."""
    return Vocabularies.from_names(**_vocabulary_rows()[0])


@dataclass(frozen=True)
class Candidates:
    """Profiles of the active clinicians for one client, and the open times the search found
    (up to the number asked for, per clinician it looked at)."""

    profiles: list[ClinicianProfile]
    open_slots: dict[int, list[dt.datetime]]


def clinician_candidates(
    *,
    answers: IntakeAnswers,
    now: dt.datetime,
    exclude_ids: Iterable[int] = (),
    prefilter: bool = True,
    relaxation_threshold: int = 3,
    roster: Roster | None = None,
    slots_wanted: int = 1,
) -> Candidates:
    """Profiles of the active clinicians for this client, in pk order, in a constant number of
    queries whatever the roster size.

    With `prefilter`, clinicians that fail a hard filter no preference can relax (accepting,
    age band or couples/families, a licence in the client's state for video or phone) are left
    out; without it every active clinician comes back, so each can be listed with its reasons.
    Only those who pass every other filter (and those one preference away, when too few pass)
    get their open slots, felt-heard counts and time buckets."""
    roster = roster or current_roster(now=now)
    if prefilter:
        band = BAND_FOR.get(answers.for_whom, answers.age_band)
        ids = roster.accepting & roster.by_band.get(band, _EMPTY)
        if answers.format in REMOTE_FORMATS:
            ids &= roster.by_state.get(answers.state, _EMPTY)
        candidates = roster.profiles(sorted(ids))
    else:
        candidates = roster.profiles(roster.ids)

    # The slot search is the costly part: keep it to the clinicians that can change what the
    # client sees.
    exclude_ids = frozenset(exclude_ids)
    context = ClientContext(answers)
    passing = [p.id for p in candidates if context.passes(p, exclude_ids)]
    open_slots = _open_slots(passing, now, slots_wanted)
    if sum(1 for cid in passing if open_slots[cid]) < relaxation_threshold:
        passed = set(passing)
        near = []
        for p in candidates:
            if p.id in passed:
                continue
            if near_miss(hard_filter_failures(context, p, exclude_ids)):
                near.append(p.id)
        open_slots.update(_open_slots(near, now, slots_wanted))
    firsts = {cid: slots[0] for cid, slots in open_slots.items() if slots}
    # Those who pass but have no open time are scored too, for the waiting list.
    wanted = list(firsts) + [cid for cid in passing if cid not in firsts]
    counts = feedback.clinician_felt_heard_counts(clinician_ids=wanted) if wanted else {}
    buckets = _time_buckets(roster, wanted, answers, now) if answers.times and wanted else {}
    out = []
    for p in candidates:
        first = firsts.get(p.id)
        if first is not None or p.id in counts or p.id in buckets:
            p = with_availability(
                p,
                first_open_slot=first,
                felt_heard=counts.get(p.id, (0, 0)),
                time_buckets=buckets.get(p.id, _EMPTY),
            )
        out.append(p)
    return Candidates(profiles=out, open_slots=open_slots)


def _open_slots(
    clinician_ids: list[int], now: dt.datetime, limit: int = 1
) -> dict[int, list[dt.datetime]]:
    if not clinician_ids:
        return {}
    return consultation_selectors.open_slots_by_clinician(
        clinician_ids=clinician_ids, now=now, limit=max(1, limit)
    )


def _time_buckets(
    roster: Roster, clinician_ids: list[int], answers: IntakeAnswers, now: dt.datetime
) -> dict[int, frozenset[str]]:
    """Which of the intake's time choices each clinician's weekly hours touch, in the client's
    zone (this week's offsets, so daylight saving is taken as it is now)."""
    client_zone = zone_or_practice(answers.timezone).key
    today_in: dict[str, dt.date] = {}
    out: dict[int, frozenset[str]] = {}
    hours = roster.hours(clinician_ids)
    for cid in clinician_ids:
        windows = hours[cid]
        if not windows:
            continue
        zone = roster.zones[cid]
        local_today = today_in.get(zone)
        if local_today is None:
            local_today = today_in[zone] = now.astimezone(ZoneInfo(zone)).date()
        key = (cid, client_zone, local_today)
        found = roster.buckets.get(key)
        if found is None:
            found = _EMPTY
            for weekday, start, end in windows:
                date = local_today + dt.timedelta(days=(weekday - local_today.weekday()) % 7)
                found = found | _window_buckets(zone, client_zone, date, start, end)
            roster.buckets[key] = found
        out[cid] = found
    return out


@lru_cache(maxsize=65536)
def _window_buckets(
    zone_name: str, client_zone_name: str, date: dt.date, start: dt.time, end: dt.time
) -> frozenset[str]:
    zone, client_zone = ZoneInfo(zone_name), ZoneInfo(client_zone_name)
    begin = dt.datetime.combine(date, start, tzinfo=zone).astimezone(client_zone)
    finish = dt.datetime.combine(date, end, tzinfo=zone).astimezone(client_zone)
    return frozenset(time_buckets_between(begin, finish))


# The rule is consultations' (the waiting list compares offered times with it too).
time_buckets_between = consultation_slots.times_touched


@dataclass(frozen=True)
class MatchList:
    ranking: Ranking
    # Up to `slots_wanted` open times of each clinician the search looked at.
    open_slots: dict[int, list[dt.datetime]]


def intake_match_list(
    *,
    answers: dict,
    now: dt.datetime,
    exclude_clinician_ids: Iterable[int] = (),
    list_all_exclusions: bool = False,
    matching_settings: MatchingSettings | None = None,
    slots_wanted: int = 1,
) -> MatchList:
    """Rank the practice's clinicians for raw intake answers: the one code path behind the
    results page and the `match` command. Raises IntakeInvalid for malformed answers.

    `list_all_exclusions` lists every active clinician in `excluded` (the command); otherwise
    clinicians that fail a filter no preference can relax are dropped unlisted."""
    roster = current_roster(now=now)
    parsed = parse_intake(answers, vocabularies=roster.vocabularies)
    excluded = frozenset(exclude_clinician_ids)
    weights = Weights.from_settings(matching_settings or MatchingSettings.load())
    candidates = clinician_candidates(
        answers=parsed,
        now=now,
        exclude_ids=excluded,
        prefilter=not list_all_exclusions,
        relaxation_threshold=weights.relaxation_threshold,
        roster=roster,
        slots_wanted=slots_wanted,
    )
    ranking = rank(
        parsed,
        candidates.profiles,
        practice_felt_heard=feedback.practice_felt_heard_rate(),
        weights=weights,
        now=now,
        excluded_ids=excluded,
    )
    return MatchList(ranking=ranking, open_slots=candidates.open_slots)


@dataclass(frozen=True)
class ShownClinician:
    clinician: Clinician
    # Credential, plan and office names, each list in the vocabulary's order.
    names: dict[str, list[str]]


_NAMED_SETS = ("credentials", "insurance", "offices")


def shown_clinicians(*, clinician_ids: list[int]) -> dict[int, ShownClinician]:
    """The clinicians a results page shows, with their named sets, in one query."""
    if not clinician_ids:
        return {}
    rows = Clinician.objects.filter(pk__in=clinician_ids).annotate(
        **{f"{field}_names": _names_array(field) for field in _NAMED_SETS}
    )
    return {
        c.pk: ShownClinician(c, {field: getattr(c, f"{field}_names") for field in _NAMED_SETS})
        for c in rows
    }


def _names_array(field: str) -> RawSQL:
    # Written out: three ORM subqueries took longer to build than to run.
    relation = getattr(Clinician, field).field
    through, vocabulary = relation.remote_field.through, relation.related_model
    q = connection.ops.quote_name
    source = q(relation.m2m_column_name())
    target = q(relation.m2m_reverse_name())
    table, link = q(vocabulary._meta.db_table), q(through._meta.db_table)
    # Identifiers from the models only, no values.
    sql = (
        f"ARRAY(SELECT v.name FROM {link} l JOIN {table} v ON v.id = l.{target}"  # noqa: S608
        f" WHERE l.{source} = {q(Clinician._meta.db_table)}.id ORDER BY v.sort_order, v.name)"
    )
    return RawSQL(sql, (), output_field=ArrayField(CharField()))  # noqa: S611


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _style_text(style: dict) -> str:
    poles = {
        "lead": (_("I lead"), _("therapist leads")),
        "focus": (_("feelings"), _("practical steps")),
        "time": (_("understanding the past"), _("working on the present")),
        "challenge": (_("gentle support"), _("direct challenge")),
    }
    parts = []
    for key, (low, high) in poles.items():
        value = style.get(key)
        if isinstance(value, int) and value != 3:
            parts.append(str(low if value < 3 else high))
    return ", ".join(parts)


def intake_clinician_summary(*, answers: dict) -> list[list[str]]:
    """What a clinician may see of an intake once the client books: [label, value] pairs, kept
    on the consultation. Not the safety answer, not contact details (those are on the booking)."""
    rows: list[list[str]] = []

    def add(label, value):
        if value:
            rows.append([str(label), str(value)])

    add(
        _("For whom"),
        _label(vocab.FOR_WHOM, answers.get("for_whom")) if answers.get("for_whom") else "",
    )
    add(
        _("Age"),
        _label(vocab.CLIENT_AGE_BANDS, answers.get("age_band")) if answers.get("age_band") else "",
    )
    add(_("Concerns (most important first)"), ", ".join(answers.get("concerns") or []))
    add(_("In their words"), answers.get("concerns_text"))
    tags = [str(vocab.GOAL_TAG_LABELS.get(t, t)) for t in answers.get("goal_tags") or []]
    add(_("Goals"), answers.get("goals"))
    add(_("Goals they chose"), ", ".join(tags))
    if isinstance(answers.get("style"), dict):
        add(_("How they'd like to work"), _style_text(answers["style"]))
    add(_("Approaches wanted"), ", ".join(answers.get("approaches_wanted") or []))
    add(_("Approaches to avoid"), ", ".join(answers.get("approaches_avoided") or []))
    prefs = []
    for key, pref in (answers.get("preferences") or {}).items():
        if isinstance(pref, dict) and pref.get("importance") in ("nice", "must"):
            importance = _label(vocab.IMPORTANCE, pref["importance"])
            value = pref.get("value")
            name = key.replace("_", " ")
            prefs.append(f"{name}{': ' + str(value) if value else ''} ({importance})")
    add(_("Preferences"), "; ".join(prefs))
    add(_("Past therapy"), answers.get("past_therapy"))
    return rows


def intakes_submitted_between(*, since: dt.datetime, until: dt.datetime) -> int:
    """Intakes submitted in [since, until), for the staff pipeline dashboard."""
    return Intake.objects.filter(submitted_at__gte=since, submitted_at__lt=until).count()
