"""The ranking: the hard filters, then the four components, composed into one score.

Pure: plain data in (answers, clinician profiles, feedback, weights, `now`), plain data out.
The loop runs over every candidate, so it only decides pass or fail and adds up points; a
match's reasons are asked of the same rules when read (`Match.reasons`), and the exclusions
are listed when read (`Ranking.excluded`)."""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..intake_schema import IntakeAnswers
from . import filters
from .bond import bond
from .context import ClientContext
from .exposure import fair_order, fit_words, shown_fit
from .goals import goals
from .practical import practical
from .profile import NEUTRAL, ClinicianProfile, Weights
from .relaxations import Relaxation, relaxations
from .tasks import tasks
from .words import Reader, Reason


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


class Match:
    """One ranked clinician: `score` to a tenth of a point, `fit` as the client is shown it (a
    whole number). The reasons are worded on first use: the results page reads them for the
    few matches it shows, not for every clinician that passes."""

    __slots__ = (
        "_explain",
        "_profile",
        "_reasons",
        "clinician_id",
        "components",
        "email",
        "fit",
        "score",
    )

    def __init__(
        self,
        clinician_id: int,
        email: str,
        score: float,
        components: Components,
        *,
        fit: int | None = None,
        explain: "Callable[[ClinicianProfile], tuple[Reason, ...]] | None" = None,
        profile: ClinicianProfile | None = None,
        reasons: tuple[Reason, ...] | None = None,
    ):
        self.clinician_id = clinician_id
        self.email = email
        self.score = score
        self.fit = shown_fit(score, 1.0) if fit is None else fit
        self.components = components
        # Given when the match comes back from a stored ranking, already worded.
        self._reasons: tuple[Reason, ...] | None = reasons
        self._explain = explain
        self._profile = profile

    @property
    def fit_words(self) -> str:
        return fit_words(self.fit)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        if self._reasons is None:
            self._reasons = self._explain(self._profile) if self._explain else ()
            self._explain = self._profile = None
        return self._reasons

    def _key(self):
        return (self.clinician_id, self.email, self.score, self.fit, self.components, self.reasons)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Match(clinician_id={self.clinician_id!r}, email={self.email!r}, "
            f"score={self.score!r}, fit={self.fit!r}, components={self.components!r}, "
            f"reasons={self.reasons!r})"
        )


@dataclass(frozen=True)
class Exclusion:
    clinician_id: int
    email: str
    reasons: tuple[str, ...]
    failed: frozenset[str] = field(default_factory=frozenset)


class Ranking:
    """Matches best first, exclusions and relaxations. The exclusions (with their reasons) are
    listed on first use: only the `match` command reads them, the results page never does.

    `waitlist`: the clinicians who pass every hard filter but the open time, scored the same
    way (nothing for soonness), best first: whom the client may wait for. They are never among
    the matches and never change them.

    `steady_until(shown)` says until when, as the clock moves and nothing else changes, the
    first `shown` matches stay exactly as they are (see `rank`)."""

    def __init__(
        self,
        matches: list[Match],
        relaxations: list[Relaxation] | None = None,
        *,
        list_excluded: "Callable[[], list[Exclusion]] | None" = None,
        waitlist: list[Match] | None = None,
        steady_until: "Callable[[int], dt.datetime | None] | None" = None,
    ):
        self.matches = matches
        self.waitlist = waitlist if waitlist is not None else []
        self.relaxations = relaxations if relaxations is not None else []
        self._excluded: list[Exclusion] | None = None
        self._list_excluded = list_excluded
        self._steady_until = steady_until

    def steady_until(self, shown: int) -> dt.datetime | None:
        """The last instant at which a ranking made now would still give the same first
        `shown` matches (same order, fits, scores, components and reasons) and the same fit for
        every other match relative to them, if only the clock moved and each clinician kept
        their first open time; None when nothing here depends on the clock."""
        return self._steady_until(shown) if self._steady_until else None

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


def rank(
    answers: IntakeAnswers,
    profiles: Iterable[ClinicianProfile],
    *,
    practice_felt_heard: float,
    weights: Weights,
    now: dt.datetime,
    excluded_ids: Iterable[int] = (),
    labels: Mapping[str, str] | None = None,
) -> Ranking:
    """Every clinician who passes the hard filters, best shown fit first, each scored on goals,
    tasks and bond (weighted as staff set them) with practical fit as a tie-breaker."""
    # `labels`: vocabulary names in the client's language, for the reasons' words.
    c = ClientContext(answers, excluded_ids, labels)
    # The quick pass-or-fail check: `filters.first_failure`, then open slots.
    checks = (*c.quick, filters.open_slot)
    w_goals, w_tasks, w_bond = weights.goals, weights.tasks, weights.bond
    w_sum = w_goals + w_tasks + w_bond
    alliance_share = (100.0 - weights.practical_points) / 100.0
    practical_share = weights.practical_points / 100.0
    p0, k, cap = practice_felt_heard, weights.prior_strength, weights.feedback_cap
    tie_band = weights.tie_band
    # Strengths per concern move goals points only once the practice turns them on.
    s_scale = weights.strength_scale if weights.strengths_on else 0.0
    s_cap = weights.strength_cap
    rotate = tie_band > 0
    reader = Reader(labels)
    # Each match's alliance points (goals, tasks and bond weighted): the part the clock can't
    # change, kept for `steady_until`.
    alliance_of: dict[int, float] = {}
    profile_of: dict[int, ClinicianProfile] = {}

    def explain(p: ClinicianProfile) -> tuple[Reason, ...]:
        """The same rules, asked to say why: for the matches whose reasons are read."""
        notes = [
            *goals(c, p, strength_scale=s_scale, strength_cap=s_cap, explain=True)[1],
            *tasks(c, p, explain=True)[1],
            *bond(c, p, p0=p0, k=k, cap=cap, explain=True)[1],
            *practical(c, p, now=now, explain=True)[1],
        ]
        # Every match says at least one thing for itself: where they can meet, if nothing else.
        if not any(wording.positive for wording, _value in notes):
            notes.insert(0, filters.where_met(c, p))
        return reader.reasons(notes)

    def score(p: ClinicianProfile) -> Match:
        goals_points = goals(c, p, strength_scale=s_scale, strength_cap=s_cap)[0]
        tasks_points = tasks(c, p)[0]
        bond_points = bond(c, p, p0=p0, k=k, cap=cap)[0]
        practical_points = practical(c, p, now=now)[0]
        if w_sum > 0:
            alliance = (
                w_goals * goals_points + w_tasks * tasks_points + w_bond * bond_points
            ) / w_sum
        else:
            alliance = NEUTRAL
        alliance_of[p.id] = alliance
        profile_of[p.id] = p
        total = round(alliance * alliance_share + practical_points * practical_share, 1)
        components = Components(
            round(goals_points, 1),
            round(tasks_points, 1),
            round(bond_points, 1),
            round(practical_points, 1),
        )
        return Match(
            p.id,
            p.email,
            total,
            components,
            fit=shown_fit(total, tie_band),
            explain=explain,
            profile=p,
        )

    scored: list[Match] = []
    slotless: list[Match] = []
    failed: list[ClinicianProfile] = []
    last = len(checks) - 1
    for p in profiles:
        for i, check in enumerate(checks):
            if check(c, p) is not None:
                failed.append(p)
                if i == last:  # only the open time is missing: a fit to wait for
                    slotless.append(score(p))
                break
        else:
            scored.append(score(p))

    matches = fair_order(scored, seed=answers.fingerprint, rotate=rotate)
    waitlist = fair_order(slotless, seed=answers.fingerprint, rotate=rotate)
    relaxed = []
    if len(matches) < weights.relaxation_threshold:
        relaxed = relaxations(c, failed)

    def list_excluded() -> list[Exclusion]:
        worded: dict[str, str] = {}  # each failure's words, once per ranking
        out = []
        for p in failed:
            found = filters.failures(c, p)
            for f in found:
                if f.key not in worded:
                    worded[f.key] = f.reason(c)
            out.append(
                Exclusion(
                    p.id,
                    p.email,
                    tuple(worded[f.key] for f in found),
                    frozenset(f.key for f in found),
                )
            )
        out.sort(key=lambda e: (e.email, e.clinician_id))
        return out

    def at_hours(p: ClinicianProfile, hours: int) -> tuple[int, float, float]:
        """(fit, score, practical points) of a match with `hours` whole hours left before its
        first open time: the instant `hours` hours before it, when the clock has moved on."""
        practical_points = practical(c, p, now=p.first_open_slot - dt.timedelta(hours=hours))[0]
        total = round(alliance_of[p.id] * alliance_share + practical_points * practical_share, 1)
        return shown_fit(total, tie_band), total, practical_points

    def steady_until(shown: int) -> dt.datetime | None:
        """Only practical fit reads the clock: the whole hours left before each match's first
        open time. Every shown match changes as soon as its hours do (its practical points and
        reasons); any other match matters only once its fit (and score, without a tie band)
        would climb to the last shown one's, or past its own when they are level."""
        until: dt.datetime | None = None

        def bound(instant: dt.datetime) -> None:
            nonlocal until
            if until is None or instant < until:
                until = instant

        last = matches[shown - 1] if 0 < shown < len(matches) else None
        for i, m in enumerate(matches):
            p = profile_of[m.clinician_id]
            first = p.first_open_slot
            hours = int((first - now).total_seconds() // 3600)
            if hours <= 0:
                continue  # already as high as it goes before the time itself is past
            if i < shown or last is None:
                # The next whole hour: the moment `hours` drops by one.
                bound(first - dt.timedelta(hours=hours))
                continue
            # What must not be reached: the last shown one's place (with a tie band, its
            # shown fit, where fair exposure may put this one first; without, its fit and
            # score), or, for one already level with it, any change of its own.
            width = 1 if rotate else 2
            target = (max(m.fit + 1, last.fit),) if rotate else (last.fit, last.score)
            level = not rotate and (m.fit, m.score) >= target
            if level:
                target = (m.fit, m.score)
            if not _reaches(at_hours, p, 0, width, target, level):
                continue  # never, before its first open time
            # Points only grow as the hours fall: find the most hours at which it is reached.
            lo, hi = 0, hours - 1  # reached(lo) holds
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _reaches(at_hours, p, mid, width, target, level):
                    lo = mid
                else:
                    hi = mid - 1
            # Still the same while `lo + 1` whole hours are left.
            bound(first - dt.timedelta(hours=lo + 1))
        return until

    return Ranking(
        matches=matches,
        relaxations=relaxed,
        list_excluded=list_excluded,
        waitlist=waitlist,
        steady_until=steady_until,
    )


def _reaches(at_hours, p, hours: int, width: int, target: tuple, level: bool) -> bool:
    """Whether the match's (fit[, score]) with `hours` whole hours left reaches `target` (or,
    `level`, differs from it)."""
    key = at_hours(p, hours)[:width]
    return key != target if level else key >= target
