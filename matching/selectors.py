import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.translation import get_language
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
from clinicians.zones import practice_today, practice_zone, zone_or_practice
from config.snapshots import (
    Snapshot,
    changes_between,
    in_transaction,
    read_version,
    read_with_versions,
)
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
    Components,
    Match,
    Ranking,
    Reason,
    Relaxation,
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
        today: dt.date,
        vocabularies: Vocabularies,
        rows: dict[int, tuple],
        name_of: dict[str, Callable[[int], str]],
        licensed: dict[int, frozenset[str]],
        strengths: dict[int, tuple[tuple[str, float, int], ...]] | None = None,
        labels: Mapping[str, Mapping[str, str]] | None = None,
        concern_names: dict[int, str] | None = None,
    ):
        # The practice's date it was read for (licences are current on it).
        self.today = today
        self.vocabularies = vocabularies
        # Concern id → name, for a patch's strengths.
        self.concern_names = concern_names or {}
        # Strengths per concern (matching.models.ClinicianStrength), read with the roster.
        self._strengths = strengths or {}
        # {language: {vocabulary name: how readers of that language read it}}
        self.labels = labels or {}
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


# Patched when matching's receivers (signals.py) say a clinician, their many-to-many sets,
# licences or consultation hours changed (those clinicians are read again), rebuilt when a
# vocabulary or the strengths changed, on a new practice day (licences expire), and at least
# every ten minutes: a write that sends no signal (a change made outside the app) is seen by then.
roster_snapshot: Snapshot[Roster] = Snapshot(
    key="matching:roster-version",
    build=lambda today: _build_roster(today=today),
    patch=lambda roster, ids: _patch_roster(roster, ids),
    max_age_seconds=10 * 60,
)


# The matching settings, read by every results page and changed by staff now and then: kept
# per process, dropped when matching's receivers (signals.py) see the row saved.
settings_snapshot: Snapshot[MatchingSettings] = Snapshot(
    key="matching:settings-version",
    build=lambda _stamp: MatchingSettings.load(),
    max_age_seconds=60,
)


def current_matching_settings() -> MatchingSettings:
    """The matching settings (not to be changed: other threads share them); no query while the
    snapshot is current, one otherwise."""
    return settings_snapshot.current() or MatchingSettings.load()


def roster_changed(*, clinician_ids: Iterable[int] | None = None) -> None:
    """Tell every process's roster snapshot: `clinician_ids` when the change touched only
    those clinicians (they are read again), None for anything else (everyone is)."""
    roster_snapshot.invalidate(clinician_ids)


def current_roster(*, now: dt.datetime) -> Roster:
    """The roster snapshot: no query when it is current, three when a few clinicians changed,
    four whatever the roster size when it has to be built."""
    today = practice_today(now)
    return roster_snapshot.current(today) or _build_roster(today=today)


def roster_warm(*, now: dt.datetime) -> int:
    """Build this process's roster snapshot with every clinician's profile and weekly hours
    (a worker does it before taking requests); returns how many clinicians it holds."""
    roster = current_roster(now=now)
    roster.profiles(roster.ids)
    roster.hours(roster.ids)
    return len(roster.ids)


def _build_roster(*, today: dt.date) -> Roster:
    names, by_id, spanish = _vocabulary_rows()
    rows, licensed, strengths = _clinician_rows(
        today=today, ids=None, concern_names=by_id["concerns"]
    )
    return Roster(
        today=today,
        strengths=strengths,
        vocabularies=Vocabularies.from_names(**names),
        rows=rows,
        name_of={
            field: by_id[_RELATION_VOCABULARY[field]].__getitem__ for field in ROSTER_RELATIONS
        },
        licensed=licensed,
        labels={"es": spanish},
        concern_names=by_id["concerns"],
    )


def _patch_roster(roster: Roster, ids: frozenset[int]) -> Roster:
    """The roster with these clinicians read again, in three queries; everyone else's profile,
    hours and time choices are carried over as they were."""
    found_rows, found_licensed, found_strengths = _clinician_rows(
        today=roster.today, ids=ids, concern_names=roster.concern_names
    )
    # Copies first (one step each, safe while other threads fill the old roster's lazily).
    rows, licensed = roster._rows.copy(), roster._licensed.copy()
    strengths = roster._strengths.copy()
    profiles, hours, buckets = roster._profiles.copy(), roster._hours.copy(), roster.buckets.copy()
    for cid in ids:
        for kept in (licensed, strengths, profiles, hours):
            kept.pop(cid, None)
        if cid not in found_rows:
            rows.pop(cid, None)  # no longer active
    for key in [key for key in buckets if key[0] in ids]:
        del buckets[key]
    rows.update(found_rows)  # in place for those already there
    if any(cid not in roster._rows for cid in found_rows):
        rows = dict(sorted(rows.items()))  # pk order
    licensed.update(found_licensed)
    strengths.update(found_strengths)
    patched = Roster(
        today=roster.today,
        strengths=strengths,
        vocabularies=roster.vocabularies,
        rows=rows,
        name_of=roster._name_of,
        licensed=licensed,
        labels=roster.labels,
        concern_names=roster.concern_names,
    )
    patched._profiles, patched._hours, patched.buckets = profiles, hours, buckets
    return patched


def _clinician_rows(*, today: dt.date, ids: frozenset[int] | None, concern_names: dict[int, str]):
    """The scalar fields, unexpired licences and strengths of these active clinicians (every
    active one with None), in three queries."""
    clinicians = Clinician.objects.filter(is_active=True).order_by("pk")
    licences = License.objects.filter(expires_on__gte=today, clinician__is_active=True)
    strength_rows = ClinicianStrength.objects.filter(clinician__is_active=True)
    if ids is not None:
        clinicians = clinicians.filter(among(Clinician, "id", ids))
        licences = licences.filter(among(License, "clinician_id", ids))
        strength_rows = strength_rows.filter(among(ClinicianStrength, "clinician_id", ids))
    rows = {row.pk: row for row in clinicians.values_list(*_SCALARS, named=True)}
    licensed: dict[int, set[str]] = defaultdict(set)
    for cid, state in licences.values_list("clinician_id", "state"):
        licensed[cid].add(state)
    strengths: dict[int, list[tuple[str, float, int]]] = defaultdict(list)
    for cid, concern_id, estimate, mean, clients in strength_rows.values_list(
        "clinician_id", "concern_id", "estimate", "practice_mean", "clients"
    ):
        strengths[cid].append((concern_names[concern_id], estimate - mean, clients))
    return (
        rows,
        {cid: frozenset(states) for cid, states in licensed.items()},
        {cid: tuple(found) for cid, found in strengths.items()},
    )


def _vocabulary_rows() -> tuple[dict[str, list[str]], dict[str, dict[int, str]], dict[str, str]]:
    """Every vocabulary's names, its id → name map, and the names' Spanish (where staff gave
    one), in one query."""
    queries = [
        model.objects.annotate(kind=Value(key))
        .values_list("kind", "pk", "name", "name_es")
        .order_by()
        for key, model in _VOCABULARY_MODELS.items()
    ]
    names: dict[str, list[str]] = {key: [] for key in _VOCABULARY_MODELS}
    by_id: dict[str, dict[int, str]] = {key: {} for key in _VOCABULARY_MODELS}
    spanish: dict[str, str] = {}
    for kind, pk, name, name_es in queries[0].union(*queries[1:], all=True):
        names[kind].append(name)
        by_id[kind][pk] = name
        if name_es:
            spanish[name] = name_es
    return names, by_id, spanish


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
    keep_failing: bool = True,
) -> Candidates:
    """Profiles of the active clinicians for this client, in pk order, in a constant number of
    queries whatever the roster size.

    With `prefilter`, clinicians that fail a hard filter no preference can relax (accepting,
    age band or couples/families, a licence in the client's state for video or phone) are left
    out; without it every active clinician comes back, so each can be listed with its reasons.
    Only those who pass every other filter (and those one preference away, when too few pass)
    get their open slots, felt-heard counts and time buckets. Without `keep_failing`, only those
    come back: the ranking's matches and suggestions are the same (a clinician that wasn't
    searched has no open time, so it can't be a match nor count towards a suggestion), but
    its exclusions list only them."""
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
    if not keep_failing:
        candidates = [p for p in candidates if p.id in open_slots]
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
    # The zone of each clinician the search looked at.
    zones: dict[int, str] = dataclasses.field(default_factory=dict)


def intake_match_list(
    *,
    answers: dict,
    now: dt.datetime,
    exclude_clinician_ids: Iterable[int] = (),
    list_all_exclusions: bool = False,
    matching_settings: MatchingSettings | None = None,
    slots_wanted: int = 1,
    list_exclusions: bool = True,
) -> MatchList:
    """Rank the practice's clinicians for raw intake answers: the one code path behind the
    results page and the `match` command. Raises IntakeInvalid for malformed answers.

    `list_all_exclusions` lists every active clinician in `excluded` (the command); otherwise
    clinicians that fail a filter no preference can relax are dropped unlisted; without
    `list_exclusions` (the results page, which never reads them) so is every clinician whose
    open times weren't searched."""
    roster = current_roster(now=now)
    parsed = parse_intake(answers, vocabularies=roster.vocabularies)
    excluded = frozenset(exclude_clinician_ids)
    weights = Weights.from_settings(matching_settings or current_matching_settings())
    candidates = clinician_candidates(
        answers=parsed,
        now=now,
        exclude_ids=excluded,
        prefilter=not list_all_exclusions,
        relaxation_threshold=weights.relaxation_threshold,
        roster=roster,
        slots_wanted=slots_wanted,
        keep_failing=list_exclusions or list_all_exclusions,
    )
    ranking = rank(
        parsed,
        candidates.profiles,
        practice_felt_heard=feedback.practice_felt_heard_rate(),
        weights=weights,
        now=now,
        excluded_ids=excluded,
        labels=roster.labels.get(translation.get_language()),
    )
    zones = {cid: roster.zones[cid] for cid in candidates.open_slots if cid in roster.zones}
    return MatchList(ranking=ranking, open_slots=candidates.open_slots, zones=zones)


# --- Stored results: each intake's first page of matches, kept in the shared cache --------
#
# Ranking every clinician who passes takes time that grows with the roster; reading what the
# last ranking put first does not. A stored result is used only while everything it was made
# from is unchanged: the intake's answers, the clinicians it said weren't a fit, the matching
# settings and the language (all in its key); the roster, the calendar (rules, zones, hours)
# and the bookings, days off, holds and fit checks (three version counters counted up by
# receivers, read with it in one round trip; bookings, days off and holds with anyone the
# ranking did not search leave it as it was, see `_still_current`); and the clock
# (`steady_until`: until when the same ranking would come out, see `_steady_until`). The shown
# clinicians' open times are searched afresh on every request and must be the stored ones, so
# what the page offers is always live.

_RESULT_VERSION_KEYS = (
    roster_snapshot.key,
    consultation_selectors.CALENDAR_VERSION_KEY,
    consultation_selectors.BOOKINGS_VERSION_KEY,
)
RESULTS_KEPT_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Results:
    """What a results page shows: the first matches (every match when asked for all), how
    many match in all, suggestions to relax an answer, and up to the wanted open times of each
    shown clinician."""

    matches: list[Match]
    total: int
    relaxations: list[Relaxation]
    open_slots: dict[int, list[dt.datetime]]
    # The first clinicians who pass every filter but the open time (Ranking.waitlist).
    waitlist: list[Match] = dataclasses.field(default_factory=list)
    # Read from a stored result rather than ranked now.
    stored: bool = False


@dataclass(frozen=True)
class _Stored:
    versions: tuple[str, ...]
    made_at: dt.datetime
    steady_until: dt.datetime
    # (clinician id, email, score, fit, components, reasons) of each shown match.
    matches: tuple[tuple[int, str, float, int, tuple[float, ...], tuple[Reason, ...]], ...]
    total: int
    relaxations: tuple[Relaxation, ...]
    open_slots: dict[int, list[dt.datetime]]
    # (clinician id, email, score, fit, components) of the first clinicians to wait for.
    waitlist: tuple[tuple[int, str, float, int, tuple[float, ...]], ...] = ()


def intake_results(
    *,
    intake_id,
    answers: dict,
    now: dt.datetime,
    exclude_clinician_ids: Iterable[int] = (),
    matching_settings: MatchingSettings,
    shown: int | None,
    slots_wanted: int = 1,
) -> Results:
    """The first `shown` matches of this intake (every match with None), from the stored
    result when it is still what a ranking now would give, else ranked now (and stored).
    Raises IntakeInvalid for malformed answers. A stored read costs two queries, whatever the
    roster size: the shown clinicians' open times, and nothing else from the database."""
    excluded = frozenset(exclude_clinician_ids)
    if shown is None or in_transaction():
        # Every match (the page's "show all") is ranked each time; nothing made inside a
        # transaction is kept, since it might roll back.
        return _results_of(
            _match_now(answers, now, excluded, matching_settings, slots_wanted), shown
        )
    key = _results_key(intake_id, answers, excluded, matching_settings, shown, slots_wanted)
    versions, stored = read_with_versions(list(_RESULT_VERSION_KEYS), key)
    if (
        isinstance(stored, _Stored)
        and None not in versions
        and stored.made_at <= now <= stored.steady_until
        and _still_current(stored, versions, key, now)
    ):
        ids = [m[0] for m in stored.matches]
        live = _open_slots(ids, now, slots_wanted) if ids else {}
        if all(live.get(cid, []) == stored.open_slots.get(cid, []) for cid in ids):
            return Results(
                matches=[
                    Match(cid, email, score, Components(*parts), fit=fit, reasons=reasons)
                    for cid, email, score, fit, parts, reasons in stored.matches
                ],
                total=stored.total,
                relaxations=list(stored.relaxations),
                open_slots=live,
                waitlist=[
                    Match(cid, email, score, Components(*parts), fit=fit)
                    for cid, email, score, fit, parts in stored.waitlist
                ],
                stored=True,
            )
    if None in versions:
        # The stamps are made on first ask; without them (the cache unreachable) nothing
        # could tell a stored result is out of date, so none is kept.
        versions = [read_version(k) for k in _RESULT_VERSION_KEYS]
    found = _match_now(answers, now, excluded, matching_settings, slots_wanted)
    results = _results_of(found, shown)
    if None not in versions:
        until = _steady_until(found, shown, now)
        if until > now:
            kept = _Stored(
                versions=tuple(versions),
                made_at=now,
                steady_until=until,
                matches=tuple(
                    (m.clinician_id, m.email, m.score, m.fit, _parts(m.components), m.reasons)
                    for m in results.matches
                ),
                total=results.total,
                relaxations=tuple(results.relaxations),
                open_slots={
                    m.clinician_id: results.open_slots[m.clinician_id] for m in results.matches
                },
                waitlist=tuple(
                    (m.clinician_id, m.email, m.score, m.fit, _parts(m.components))
                    for m in results.waitlist
                ),
            )
            seconds = min(RESULTS_KEPT_SECONDS, (until - now).total_seconds())
            # Not kept when the cache is down: the next request ranks again. The clinicians
            # whose open times were searched (thousands at 10,000) go in an entry of their own,
            # read only when bookings changed since (`_still_current`).
            with contextlib.suppress(Exception):
                cache.set_many(
                    {key: kept, _searched_key(key): frozenset(found.open_slots)},
                    timeout=int(seconds) + 1,
                )
    return results


def _still_current(stored: _Stored, versions: list, key: str, now: dt.datetime) -> bool:
    """Whether the stored result was made under these versions, or under older bookings whose
    changes since touched none of the clinicians it searched (a booking with anyone else
    changes nothing it shows or counts); then it is kept under the new versions."""
    versions = tuple(versions)
    if stored.versions == versions:
        return True
    # The bookings' version comes last; the roster's and the calendar's must be the same.
    if stored.versions[:-1] != versions[:-1]:
        return False
    touched = changes_between(_RESULT_VERSION_KEYS[-1], stored.versions[-1], versions[-1])
    if touched is None:
        return False
    try:
        searched = cache.get(_searched_key(key))
    except Exception:  # noqa: BLE001  an unreachable cache means ranking again
        return False
    if not isinstance(searched, frozenset) or not touched.isdisjoint(searched):
        return False
    seconds = min(RESULTS_KEPT_SECONDS, (stored.steady_until - now).total_seconds())
    with contextlib.suppress(Exception):  # not kept when the cache is down: checked again
        cache.set(key, dataclasses.replace(stored, versions=versions), timeout=int(seconds) + 1)
    return True


def _searched_key(key: str) -> str:
    """Where a stored result keeps the clinicians whose open times it searched: the only ones
    whose bookings, days off and holds count in it."""
    return f"{key}:searched"


def _match_now(answers, now, excluded, matching_settings, slots_wanted) -> MatchList:
    """The ranking made now for a results page (which never reads the exclusions)."""
    return intake_match_list(
        answers=answers,
        now=now,
        exclude_clinician_ids=excluded,
        matching_settings=matching_settings,
        slots_wanted=slots_wanted,
        list_exclusions=False,
    )


def _results_of(found: MatchList, shown: int | None) -> Results:
    ranking = found.ranking
    matches = ranking.matches if shown is None else ranking.matches[:shown]
    return Results(
        matches=matches,
        total=len(ranking.matches),
        relaxations=ranking.relaxations,
        open_slots={m.clinician_id: found.open_slots.get(m.clinician_id, []) for m in matches},
        waitlist=ranking.waitlist if shown is None else ranking.waitlist[:shown],
    )


def _parts(c: Components) -> tuple[float, ...]:
    return (c.goals, c.tasks, c.bond, c.practical)


def _results_key(intake_id, answers, excluded, matching_settings, shown, slots_wanted) -> str:
    """One key per intake and everything a ranking depends on that the version stamps don't
    cover: its answers, the not-a-fit clinicians, the settings, what is shown, the language."""
    settings_fields = {
        f.attname: getattr(matching_settings, f.attname)
        for f in MatchingSettings._meta.concrete_fields
        if f.attname != "id"
    }
    material = json.dumps(
        [answers, sorted(excluded), settings_fields, shown, slots_wanted, get_language()],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
    return f"matching:results:{intake_id}:{digest}"


def _steady_until(found: MatchList, shown: int, now: dt.datetime) -> dt.datetime:
    """The last instant at which ranking again would give the same first page, if only the
    clock moved: the ranking's own bound (practical fit's hours, `Ranking.steady_until`), and
    the clock's effects on what the search found:

    - a clinician's open times leave through the minimum notice: one with open times keeps at
      least one until its last found time does;
    - one without open times gets one when the horizon reaches it (searched for a day later);
    - a waiting-list hold on a searched clinician's time runs out;
    - the days: licences by the practice's date, time choices by each clinician's own date."""
    rules = consultation_selectors.current_slot_rules()
    notice = dt.timedelta(hours=rules.minimum_notice_hours)
    horizon = dt.timedelta(days=rules.horizon_days)
    bounds = [now + dt.timedelta(seconds=RESULTS_KEPT_SECONDS)]
    ranked = found.ranking.steady_until(shown)
    if ranked is not None:
        bounds.append(ranked)
    empty = []
    for cid, times in found.open_slots.items():
        if times:
            bounds.append(times[-1] - notice)
        else:
            empty.append(cid)
    if empty:
        later = _open_slots(empty, now + dt.timedelta(days=1), 1)
        for times in later.values():
            if times:
                # Found a day later, so past today's horizon: open once the horizon passes it.
                bounds.append(times[0] - horizon)
        bounds.append(now + dt.timedelta(days=1))
    # A waiting-list hold keeps a time busy until it runs out.
    held_until = consultation_selectors.first_hold_expiry(
        clinician_ids=list(found.open_slots), now=now
    )
    if held_until is not None:
        bounds.append(held_until - dt.timedelta(microseconds=1))
    zones = {practice_zone(), *(ZoneInfo(z) for z in set(found.zones.values()))}
    for zone in zones:
        local = now.astimezone(zone)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        bounds.append(midnight - dt.timedelta(microseconds=1))
    return min(bounds)


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
    on the consultation. Not the safety answer, not contact details (those are on the booking).
    In English, as clinicians work, whichever language the client booked in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _clinician_summary(answers)


def _clinician_summary(answers: dict) -> list[list[str]]:
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
