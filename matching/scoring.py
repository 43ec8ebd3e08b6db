"""Rank clinicians for an intake on the therapeutic alliance, and say why.

Pure: plain data in (answers, clinician profiles, feedback, weights, `now`), plain data out. The
hot loop runs over every candidate, so everything that depends only on the client (reason texts,
weights, sets) is worked out once before it, and the loop itself only decides pass or fail and
adds up scores: reasons and exclusions are put into words when they are read."""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from .intake_schema import IntakeAnswers
from .vocab import GOAL_TAG_LABELS, GOAL_TAGS

# A component the client gave us nothing to compare on is neither a plus nor a minus.
NEUTRAL = 75.0
RANK_WEIGHTS = (3.0, 2.0, 1.0)  # the client's first concern counts most
TREATS_CREDIT = 0.7  # a concern treated; a declared focus concern earns 1.0
GOAL_TAG_WEIGHT = 1.0  # goal tags are broader than concerns, so lighter than the first concern
STYLE_SHARE = 0.7  # of the tasks score; the rest is wanted and avoided approaches
SOON_DAYS = 14.0  # a first slot this far away earns nothing for soonness
TIMES_SHARE = 0.6  # of the practical score; the rest is how soon the first slot is
FEEDBACK_SCALE = 100.0  # bond points per unit of felt-heard rate above the practice average
FEEDBACK_REASON_POINTS = 3.0
FEEDBACK_REASON_MIN_ANSWERS = 5

REMOTE_FORMATS = {"video": ("video",), "phone": ("phone",), "either": ("video", "phone")}
BAND_FOR = {"couple": "couples", "family": "families"}
MUST_KEYS = ("gender", "language", "community", "lgbtq_affirming", "faith_informed")
RELAXABLE = frozenset(MUST_KEYS) | {"payment", "office", "format"}
WHERE_KEYS = frozenset({"format", "licence", "office"})
# Where failures another format can fix: a licence is needed whatever the remote format.
FORMAT_FIXABLE = frozenset({"format", "office"})
STYLE_NO_PREFERENCE = 3  # the middle of a slider: "doesn't mind"


def near_miss(failed: "list[str]") -> bool:
    """Whether relaxing one preference (or the format) could let a clinician with these hard
    filter failures pass: only then is their open-slot search worth running."""
    if len(failed) == 1 and failed[0] in RELAXABLE:
        return True
    return bool(failed) and set(failed) <= FORMAT_FIXABLE


@dataclass(frozen=True)
class ClinicianProfile:
    """What scoring needs to know about one clinician, already resolved for this client."""

    id: int
    email: str
    is_active: bool = True
    accepting: bool = True
    gender: str = ""  # casefolded
    languages: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    lgbtq_affirming: bool = False
    faith_informed: bool = False
    concerns: frozenset[str] = frozenset()
    focus_concerns: frozenset[str] = frozenset()
    approaches: frozenset[str] = frozenset()
    ages: frozenset[str] = frozenset({"adults"})  # clinicians.models.AGE_BANDS codes
    formats: frozenset[str] = frozenset({"video"})  # "video", "phone", "in person"
    offices: frozenset[str] = frozenset()
    licensed_states: frozenset[str] = frozenset()  # licences unexpired today
    style: tuple[int, int, int, int] = (3, 3, 3, 3)  # lead, focus, time, challenge
    insurance: frozenset[str] = frozenset()
    self_pay_fee: int | None = None
    sliding_scale_min: int | None = None
    time_buckets: frozenset[str] = frozenset()  # vocab.TIMES codes, in the client's zone
    first_open_slot: dt.datetime | None = None
    felt_heard: tuple[int, int] = (0, 0)  # (yes, answers)


@dataclass(frozen=True)
class Weights:
    goals: float = 0.40
    tasks: float = 0.30
    bond: float = 0.30
    practical_points: float = 5.0
    prior_strength: float = 10.0
    feedback_cap: float = 15.0
    tie_band: float = 1.0
    relaxation_threshold: int = 3

    @classmethod
    def from_settings(cls, s) -> "Weights":
        return cls(
            goals=s.weight_goals,
            tasks=s.weight_tasks,
            bond=s.weight_bond,
            practical_points=s.practical_points,
            prior_strength=s.feedback_prior_strength,
            feedback_cap=s.feedback_cap_points,
            tie_band=s.tie_band_points,
            relaxation_threshold=s.relaxation_threshold,
        )


@dataclass(frozen=True)
class Components:
    goals: float
    tasks: float
    bond: float
    practical: float

    def as_dict(self) -> dict[str, float]:
        return {
            "goals": self.goals,
            "tasks": self.tasks,
            "bond": self.bond,
            "practical": self.practical,
        }


@dataclass(frozen=True)
class Reason:
    text: str
    positive: bool

    def __str__(self) -> str:
        return self.text


class Match:
    """One ranked clinician. The reasons are worked out on first use: the results page reads
    them for the few matches it shows, not for every clinician that passes."""

    __slots__ = ("_explain", "_profile", "_reasons", "clinician_id", "components", "email", "score")

    def __init__(
        self,
        clinician_id: int,
        email: str,
        score: float,
        components: Components,
        *,
        explain: "Callable[[ClinicianProfile], tuple[Reason, ...]] | None" = None,
        profile: "ClinicianProfile | None" = None,
    ):
        self.clinician_id = clinician_id
        self.email = email
        self.score = score
        self.components = components
        self._reasons: tuple[Reason, ...] | None = None
        self._explain = explain
        self._profile = profile

    @property
    def reasons(self) -> tuple[Reason, ...]:
        if self._reasons is None:
            self._reasons = self._explain(self._profile) if self._explain else ()
            self._explain = self._profile = None
        return self._reasons

    def _key(self):
        return (self.clinician_id, self.email, self.score, self.components, self.reasons)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Match(clinician_id={self.clinician_id!r}, email={self.email!r}, "
            f"score={self.score!r}, components={self.components!r}, reasons={self.reasons!r})"
        )


@dataclass(frozen=True)
class Exclusion:
    clinician_id: int
    email: str
    reasons: tuple[str, ...]
    failed: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Relaxation:
    preference: str  # a preference key, "payment", "office" or "format"
    would_add: int
    value: str = ""  # for "format": the format that would add them


class Ranking:
    """Matches best first, exclusions and relaxations. The exclusions (with their reasons) are
    listed on first use: only the `match` command reads them, the results page never does."""

    def __init__(
        self,
        matches: list[Match],
        relaxations: list[Relaxation] | None = None,
        *,
        list_excluded: "Callable[[], list[Exclusion]] | None" = None,
    ):
        self.matches = matches
        self.relaxations = relaxations if relaxations is not None else []
        self._excluded: list[Exclusion] | None = None
        self._list_excluded = list_excluded

    @property
    def excluded(self) -> list[Exclusion]:
        if self._excluded is None:
            self._excluded = self._list_excluded() if self._list_excluded else []
            self._list_excluded = None
        return self._excluded

    def __eq__(self, other) -> bool:
        if not isinstance(other, Ranking):
            return NotImplemented
        return (self.matches, self.excluded, self.relaxations) == (
            other.matches,
            other.excluded,
            other.relaxations,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Ranking(matches={self.matches!r}, excluded={self.excluded!r}, "
            f"relaxations={self.relaxations!r})"
        )


def felt_heard_mean(yes: int, n: int, *, p0: float, k: float) -> float:
    """Beta posterior mean, shrunk to the practice average as if k average answers came first."""
    return (yes + k * p0) / (n + k)


def _feedback_delta(felt_heard: tuple[int, int], *, p0: float, k: float, cap: float) -> float:
    """Bond points for a clinician's felt-heard rate against the practice's, within ±cap."""
    yes, n = felt_heard
    delta = (felt_heard_mean(yes, n, p0=p0, k=k) - p0) * FEEDBACK_SCALE
    return cap if delta > cap else -cap if delta < -cap else delta


def fair_exposure_key(seed: str, clinician_id: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{clinician_id}".encode(), digest_size=8).digest()


class ClientContext:
    """Everything about the client the loop needs, worked out once."""

    def __init__(self, a: IntakeAnswers):
        self.band = BAND_FOR.get(a.for_whom, a.age_band)
        self.remote = REMOTE_FORMATS.get(a.format)
        self.remote_set = frozenset(self.remote) if self.remote is not None else None
        self.state = a.state
        self.offices = frozenset(a.offices)
        self.musts = [
            (k, a.preference(k).value) for k in MUST_KEYS if a.preference(k).importance == "must"
        ]
        self.plan = a.payment.insurance
        self.budget = a.payment.self_pay_budget
        self.pays = a.payment.given
        self.concerns = [
            (c, RANK_WEIGHTS[i]) for i, c in enumerate(a.concerns[: len(RANK_WEIGHTS)])
        ]
        self.tags = [(t, GOAL_TAGS[t]) for t in a.goal_tags]
        self.goals_total = sum(w for _c, w in self.concerns) + GOAL_TAG_WEIGHT * len(self.tags)
        # The dimensions the client moved off the middle; None when they minded none of them.
        minded = [(i, want) for i, want in enumerate(a.style or ()) if want != STYLE_NO_PREFERENCE]
        self.style = tuple(minded) or None
        self.wanted = a.approaches_wanted
        self.avoided = a.approaches_avoided
        # Bond scores the nice-to-haves only: every clinician who passes meets the must-haves,
        # so counting them again would only flatten the differences the nice-to-haves make.
        self.prefs = [
            (k, a.preference(k).value) for k in MUST_KEYS if a.preference(k).importance == "nice"
        ]
        # Both are explained: a met must-have is still a reason to show.
        self.pref_reasons = [
            (k, a.preference(k).value)
            for k in MUST_KEYS
            if a.preference(k).importance in ("nice", "must")
        ]
        self.times = a.times
        self.answers = a

    @cached_property
    def texts(self) -> "_Texts":
        return _Texts(self.answers)

    def passes(self, p: "ClinicianProfile", excluded_ids: frozenset[int] = frozenset()) -> bool:
        """True when `hard_filter_failures` would find nothing: the same checks, stopping at the
        first failure and building no list (this runs for every candidate)."""
        if not (p.is_active and p.accepting) or self.band not in p.ages or p.id in excluded_ids:
            return False
        if self.remote_set is not None:
            if self.remote_set.isdisjoint(p.formats) or self.state not in p.licensed_states:
                return False
        elif "in person" not in p.formats or self.offices.isdisjoint(p.offices):
            return False
        for key, value in self.musts:
            if not _meets(key, value, p):
                return False
        return _pays(self, p)


def _meets(key: str, value: str, p: ClinicianProfile) -> bool:
    if key == "gender":
        return p.gender == value
    if key == "language":
        return value in p.languages
    if key == "community":
        return value in p.communities
    if key == "lgbtq_affirming":
        return p.lgbtq_affirming
    return p.faith_informed


def _pays(c: ClientContext, p: ClinicianProfile) -> bool:
    if not c.pays:
        return True
    if c.plan is not None and c.plan in p.insurance:
        return True
    if c.budget is None:
        return False
    lowest = p.sliding_scale_min if p.sliding_scale_min is not None else p.self_pay_fee
    return lowest is not None and lowest <= c.budget


def _where_failures(c: ClientContext, p: ClinicianProfile, remote, offices) -> list[str]:
    if remote is not None:
        out = [] if any(f in p.formats for f in remote) else ["format"]
        if c.state not in p.licensed_states:
            out.append("licence")
        return out
    out = [] if "in person" in p.formats else ["format"]
    if not (offices & p.offices):
        out.append("office")
    return out


def hard_filter_failures(
    c: "ClientContext | IntakeAnswers", p: ClinicianProfile, excluded_ids: Iterable[int] = ()
) -> list[str]:
    """Every hard filter this clinician fails, except the open-slot one (checked last, only for
    clinicians who pass everything else)."""
    if isinstance(c, IntakeAnswers):
        c = ClientContext(c)
    failed = []
    if not p.is_active:
        failed.append("inactive")
    if not p.accepting:
        failed.append("accepting")
    if p.id in excluded_ids:
        failed.append("not_a_fit")
    if c.band not in p.ages:
        failed.append("band")
    failed += _where_failures(c, p, c.remote, c.offices)
    for key, value in c.musts:
        if not _meets(key, value, p):
            failed.append(key)
    if not _pays(c, p):
        failed.append("payment")
    return failed


def _all_failures(c: ClientContext, p: ClinicianProfile, excluded_ids) -> list[str]:
    failed = hard_filter_failures(c, p, excluded_ids)
    if not failed and p.first_open_slot is None:
        failed = ["slots"]
    return failed


def rank(
    answers: IntakeAnswers,
    profiles: Iterable[ClinicianProfile],
    *,
    practice_felt_heard: float,
    weights: Weights,
    now: dt.datetime,
    excluded_ids: Iterable[int] = (),
) -> Ranking:
    """The hot loop only decides pass or fail and does arithmetic; reasons and exclusions are
    built when they are read (see Match and Ranking)."""
    c = ClientContext(answers)
    excluded_ids = frozenset(excluded_ids)
    passes = c.passes
    scored: list[tuple] = []
    failed: list[ClinicianProfile] = []

    w_goals, w_tasks, w_bond = weights.goals, weights.tasks, weights.bond
    w_sum = w_goals + w_tasks + w_bond
    alliance_share = (100.0 - weights.practical_points) / 100.0
    practical_share = weights.practical_points / 100.0
    p0, k, cap = practice_felt_heard, weights.prior_strength, weights.feedback_cap
    concerns, tags, goals_total = c.concerns, c.tags, c.goals_total
    style_wanted, wanted, avoided = c.style, c.wanted, c.avoided
    prefs, times = c.prefs, c.times

    for p in profiles:
        if p.first_open_slot is None or not passes(p, excluded_ids):
            failed.append(p)
            continue

        # Goals: the client's ranked concerns, then goal tags, against what the clinician treats.
        if goals_total:
            focus, treats = p.focus_concerns, p.concerns
            got = 0.0
            for name, w in concerns:
                if name in focus:
                    got += w
                elif name in treats:
                    got += w * TREATS_CREDIT
            for _tag, tag_concerns in tags:
                credit = 0.0
                for name in tag_concerns:
                    if name in focus:
                        credit = 1.0
                        break
                    if name in treats:
                        credit = TREATS_CREDIT
                if credit:
                    got += GOAL_TAG_WEIGHT * credit
            goals = 100.0 * got / goals_total
        else:
            goals = NEUTRAL

        # Tasks: distance on the four style dimensions, then wanted and avoided approaches.
        style = approach = None
        if style_wanted is not None:
            distance = 0
            have_style = p.style
            for i, want in style_wanted:
                have = have_style[i]
                distance += want - have if want > have else have - want
            style = 100.0 - distance * 100.0 / (4.0 * len(style_wanted))
        if wanted or avoided:
            uses = p.approaches
            parts = []
            if wanted:
                parts.append(sum(1 for name in wanted if name in uses) / len(wanted))
            if avoided:
                parts.append(1.0 - sum(1 for name in avoided if name in uses) / len(avoided))
            approach = 100.0 * sum(parts) / len(parts)
        if style is None:
            tasks = NEUTRAL if approach is None else approach
        elif approach is None:
            tasks = style
        else:
            tasks = STYLE_SHARE * style + (1.0 - STYLE_SHARE) * approach

        # Bond: the nice-to-have preferences, then felt-heard feedback shrunk hard.
        if prefs:
            got = 0
            for key, value in prefs:
                if _meets(key, value, p):
                    got += 1
            bond = 15.0 + 70.0 * got / len(prefs)
        else:
            bond = NEUTRAL
        bond = min(100.0, max(0.0, bond + _feedback_delta(p.felt_heard, p0=p0, k=k, cap=cap)))

        # Practical: times that suit and how soon the first consultation could be.
        if times:
            buckets = p.time_buckets
            fit = sum(1 for code in times if code in buckets) / len(times)
        else:
            fit = 1.0
        hours = (p.first_open_slot - now).total_seconds() // 3600
        days = max(0.0, hours / 24.0)
        soon = max(0.0, 1.0 - days / SOON_DAYS)
        practical = 100.0 * (TIMES_SHARE * fit + (1.0 - TIMES_SHARE) * soon)

        if w_sum > 0:
            alliance = (w_goals * goals + w_tasks * tasks + w_bond * bond) / w_sum
        else:
            alliance = NEUTRAL
        score = round(alliance * alliance_share + practical * practical_share, 1)
        scored.append((score, p.id, p, goals, tasks, bond, practical))

    explain = _Explainer(c, now=now, p0=p0, k=k, cap=cap).reasons
    matches = _fair_order(scored, answers.fingerprint, weights.tie_band, explain)
    relaxations = []
    if len(matches) < weights.relaxation_threshold:
        near_misses = []
        for p in failed:
            failures = _all_failures(c, p, excluded_ids)
            if near_miss(failures):
                near_misses.append((failures, p))
        relaxations = _relaxations(c, answers, near_misses)

    def list_excluded() -> list[Exclusion]:
        t = c.texts
        out = []
        for p in failed:
            failures = _all_failures(c, p, excluded_ids)
            out.append(
                Exclusion(
                    p.id,
                    p.email,
                    tuple(t.exclusion(key) for key in failures),
                    frozenset(failures),
                )
            )
        out.sort(key=lambda e: (e.email, e.clinician_id))
        return out

    return Ranking(matches=matches, relaxations=relaxations, list_excluded=list_excluded)


class _Explainer:
    """The reasons for one match, in plain words: the same checks as the scoring loop."""

    def __init__(self, c: ClientContext, *, now: dt.datetime, p0: float, k: float, cap: float):
        self.c, self.now, self.p0, self.k, self.cap = c, now, p0, k, cap

    def reasons(self, p: ClinicianProfile) -> tuple[Reason, ...]:
        c, t = self.c, self.c.texts
        pos: list[Reason] = []
        neg: list[Reason] = []
        if c.goals_total:
            for name, _w in c.concerns:
                if name in p.focus_concerns:
                    pos.append(t.focus[name])
                elif name in p.concerns:
                    pos.append(t.treats[name])
                else:
                    neg.append(t.not_treats[name])
            for tag, tag_concerns in c.tags:
                if any(n in p.focus_concerns or n in p.concerns for n in tag_concerns):
                    pos.append(t.tag[tag])
        if c.style is not None:
            for i, want in c.style:
                have = p.style[i]
                gap = want - have if want > have else have - want
                if gap <= 1:
                    if i in t.style_match:
                        pos.append(t.style_match[i])
                elif gap >= 3:
                    neg.append(t.style_gap[i][have > want])
        for name in c.wanted:
            if name in p.approaches:
                pos.append(t.uses[name])
            else:
                neg.append(t.not_uses[name])
        for name in c.avoided:
            if name in p.approaches:
                neg.append(t.uses_avoided[name])
        for key, value in c.pref_reasons:
            if _meets(key, value, p):
                pos.append(t.pref_met[key])
            else:
                neg.append(t.pref_unmet[key])
        delta = _feedback_delta(p.felt_heard, p0=self.p0, k=self.k, cap=self.cap)
        if delta >= FEEDBACK_REASON_POINTS and p.felt_heard[1] >= FEEDBACK_REASON_MIN_ANSWERS:
            pos.append(t.felt_heard)
        for code in c.times:
            if code in p.time_buckets:
                pos.append(t.time_yes[code])
            else:
                neg.append(t.time_no[code])
        hours = (p.first_open_slot - self.now).total_seconds() // 3600
        if max(0.0, hours / 24.0) <= 2:
            pos.append(t.soon)
        return tuple(pos + neg)


def _fair_order(scored, seed: str, band: float, explain) -> list[Match]:
    """Best first; clinicians within `band` points of the best of their group share its place and
    are ordered by a stable hash of (intake, clinician), so equal fits take turns at the top."""
    scored.sort(key=lambda row: (-row[0], row[1]))
    out: list[Match] = []
    i = 0
    n = len(scored)
    while i < n:
        top = scored[i][0]
        j = i + 1
        while j < n and top - scored[j][0] <= band:
            j += 1
        group = scored[i:j]
        if len(group) > 1:
            group.sort(key=lambda row: fair_exposure_key(seed, row[1]))
        for score, cid, p, goals, tasks, bond, practical in group:
            components = Components(
                round(goals, 1), round(tasks, 1), round(bond, 1), round(practical, 1)
            )
            out.append(Match(cid, p.email, score, components, explain=explain, profile=p))
        i = j
    return out


def _relaxations(c: ClientContext, a: IntakeAnswers, near_misses) -> list[Relaxation]:
    """For each single preference, how many more clinicians would pass if it were relaxed."""
    counts: dict[str, int] = {}
    alternative = {"in person": "either", "video": "either", "phone": "either"}.get(a.format)
    alt_remote = REMOTE_FORMATS.get(alternative) if alternative else None
    for failed, p in near_misses:
        if p.first_open_slot is None:
            continue
        if len(failed) == 1 and failed[0] in RELAXABLE and failed[0] != "format":
            counts[failed[0]] = counts.get(failed[0], 0) + 1
        elif (
            alt_remote
            and set(failed) <= WHERE_KEYS
            and not _where_failures(c, p, alt_remote, c.offices)
        ):
            counts["format"] = counts.get("format", 0) + 1
    # The format that would add them: "either" reads as "video or phone".
    value = {"in person": "either", "video": "phone", "phone": "video"}.get(a.format, "")
    out = [
        Relaxation(key, n, value if key == "format" else "") for key, n in counts.items() if n > 0
    ]
    out.sort(key=lambda r: (-r.would_add, r.preference))
    return out


class _Texts:
    """Every reason this client's results can show, translated once per ranking."""

    def __init__(self, a: IntakeAnswers):
        names = set(a.concerns)
        self.focus = {n: _("Focuses on %(concern)s") % {"concern": n} for n in names}
        self.treats = {n: _("Treats %(concern)s") % {"concern": n} for n in names}
        self.not_treats = {
            n: _("Does not list %(concern)s among the concerns they treat") % {"concern": n}
            for n in names
        }
        self.tag = {
            tag: _("Can help with your goal: %(goal)s")
            % {"goal": str(GOAL_TAG_LABELS.get(tag, tag)).lower()}
            for tag in a.goal_tags
        }
        self.focus = {n: Reason(s, True) for n, s in self.focus.items()}
        self.treats = {n: Reason(s, True) for n, s in self.treats.items()}
        self.not_treats = {n: Reason(s, False) for n, s in self.not_treats.items()}
        self.tag = {n: Reason(s, True) for n, s in self.tag.items()}

        style_match = {}
        if a.style is not None:
            poles = (
                (_("Lets you lead, as you asked"), _("Takes the lead in sessions, as you asked")),
                (
                    _("Works with feelings and experience, as you asked"),
                    _("Works in a practical, skills-focused way, as you asked"),
                ),
                (
                    _("Explores how the past shapes you, as you asked"),
                    _("Works on the present, as you asked"),
                ),
                (
                    _("Offers gentle support, as you asked"),
                    _("Challenges you directly, as you asked"),
                ),
            )
            for i, want in enumerate(a.style):
                if want != 3:
                    style_match[i] = Reason(str(poles[i][want > 3]), True)
        self.style_match = style_match
        # [dimension][clinician is higher than the client asked]
        gaps = (
            (
                _("Tends to let you lead more than you asked"),
                _("Tends to lead more than you asked"),
            ),
            (
                _("Focuses more on feelings than on practical steps"),
                _("Focuses more on practical steps than on feelings"),
            ),
            (
                _("Spends more time on the past than you asked"),
                _("Spends more time on the present than you asked"),
            ),
            (_("Gentler than you asked"), _("More challenging than you asked")),
        )
        self.style_gap = [(Reason(lo, False), Reason(hi, False)) for lo, hi in gaps]

        approaches = set(a.approaches_wanted) | set(a.approaches_avoided)
        self.uses = {
            n: Reason(_("Uses %(name)s, as you asked") % {"name": n}, True) for n in approaches
        }
        self.not_uses = {
            n: Reason(_("Does not use %(name)s") % {"name": n}, False) for n in approaches
        }
        self.uses_avoided = {
            n: Reason(_("Uses %(name)s, which you'd rather avoid") % {"name": n}, False)
            for n in approaches
        }

        pref = a.preference
        gender, language, community = (pref(k).value for k in ("gender", "language", "community"))
        self.pref_met = {
            "gender": Reason(_("Gender: %(gender)s, as you asked") % {"gender": gender}, True),
            "language": Reason(_("Speaks %(language)s") % {"language": language}, True),
            "community": Reason(_("Identifies as %(community)s") % {"community": community}, True),
            "lgbtq_affirming": Reason(_("LGBTQ+-affirming"), True),
            "faith_informed": Reason(_("Faith-informed"), True),
        }
        self.pref_unmet = {
            "gender": Reason(_("Gender is not %(gender)s") % {"gender": gender}, False),
            "language": Reason(_("Does not speak %(language)s") % {"language": language}, False),
            "community": Reason(
                _("Has not said they identify as %(community)s") % {"community": community}, False
            ),
            "lgbtq_affirming": Reason(_("Has not said they are LGBTQ+-affirming"), False),
            "faith_informed": Reason(_("Does not offer faith-informed therapy"), False),
        }
        self.felt_heard = Reason(_("Clients often say they felt heard in their consultation"), True)

        time_names = {
            "weekday mornings": (_("Offers weekday morning times"), _("No weekday morning times")),
            "weekday daytime": (_("Offers weekday daytime times"), _("No weekday daytime times")),
            "weekday evenings": (_("Offers evening times"), _("No evening times")),
            "weekends": (_("Offers weekend times"), _("No weekend times")),
        }
        self.time_yes = {k: Reason(v[0], True) for k, v in time_names.items()}
        self.time_no = {k: Reason(v[1], False) for k, v in time_names.items()}
        self.soon = Reason(_("Has a consultation time in the next two days"), True)

        band_names = {
            "children": _("Does not work with children"),
            "teens": _("Does not work with teens"),
            "adults": _("Does not work with adults"),
            "older adults": _("Does not work with older adults"),
            "couples": _("Does not work with couples"),
            "families": _("Does not work with families"),
        }
        fmt = {
            "video": _("Does not offer video sessions"),
            "phone": _("Does not offer phone sessions"),
            "either": _("Does not offer video or phone sessions"),
            "in person": _("Does not offer in-person sessions"),
        }
        self._exclusion = {
            "inactive": _("Not currently seeing clients"),
            "accepting": _("Not accepting new clients"),
            "not_a_fit": _("You told us this wasn't the right fit"),
            "band": band_names.get(BAND_FOR.get(a.for_whom, a.age_band), ""),
            "format": fmt.get(a.format, ""),
            "licence": _("Not licensed in %(state)s") % {"state": a.state},
            "office": _("Not at %(offices)s") % {"offices": _(" or ").join(a.offices)},
            "gender": self.pref_unmet["gender"].text,
            "language": self.pref_unmet["language"].text,
            "community": self.pref_unmet["community"].text,
            "lgbtq_affirming": self.pref_unmet["lgbtq_affirming"].text,
            "faith_informed": self.pref_unmet["faith_informed"].text,
            "payment": self._payment_text(a),
            "slots": _("No consultation times open within the booking window"),
        }

    @staticmethod
    def _payment_text(a: IntakeAnswers) -> str:
        plan, budget = a.payment.insurance, a.payment.self_pay_budget
        if plan and budget is not None:
            return _("Does not take %(plan)s, and the fee is above $%(budget)s") % {
                "plan": plan,
                "budget": f"{budget:g}",
            }
        if plan:
            return _("Does not take %(plan)s") % {"plan": plan}
        return _("Fee is above $%(budget)s, even on a sliding scale") % {
            "budget": f"{budget or 0:g}"
        }

    def exclusion(self, key: str) -> str:
        return self._exclusion[key]


def with_availability(
    p: ClinicianProfile,
    *,
    first_open_slot: dt.datetime | None,
    felt_heard: tuple[int, int],
    time_buckets: frozenset[str],
) -> ClinicianProfile:
    """A copy of a profile with this request's open slot, feedback and times. Copies the fields
    without re-running the dataclass __init__ (this runs for every passing clinician)."""
    q = object.__new__(ClinicianProfile)
    fields = q.__dict__
    fields.update(p.__dict__)
    fields["first_open_slot"] = first_open_slot
    fields["felt_heard"] = felt_heard
    fields["time_buckets"] = time_buckets
    return q


_PROFILE_DEFAULTS = {
    f.name: f.default
    for f in ClinicianProfile.__dataclass_fields__.values()
    if f.default is not MISSING
}


def profile_from_fields(**fields) -> ClinicianProfile:
    """A profile from already-checked values, without the frozen dataclass __init__ (which sets
    each field through object.__setattr__): building a roster of thousands adds up."""
    p = object.__new__(ClinicianProfile)
    values = p.__dict__
    values.update(_PROFILE_DEFAULTS)
    values.update(fields)
    return p
