"""Plain intake answers and clinician profiles for the pure scoring tests, the way they run
a ranking, and Hypothesis strategies for both."""

import datetime as dt

from hypothesis import strategies as st

from matching.intake_schema import Vocabularies, parse_intake
from matching.scoring import ClinicianProfile, Weights, rank

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # a Monday, after 13:00
VOCABULARIES = Vocabularies.from_names(
    concerns=[
        "anxiety", "depression", "trauma and PTSD", "grief and loss", "sleep",
        "stress and burnout", "relationships",
    ],
    approaches=["CBT", "EMDR", "DBT", "psychodynamic"],
    languages=["English", "Spanish", "Mandarin"],
    insurance=["Aetna", "Cigna"],
    communities=["Latina/o/x", "Black", "LGBTQ+"],
    offices=["Downtown", "Northside"],
)  # fmt: skip
WEIGHTS = Weights()


def intake(**changes) -> dict:
    data = {
        "for_whom": "myself",
        "age_band": "adults",
        "concerns": ["trauma and PTSD", "anxiety"],
        "goals": "Sleep through the night.",
        "style": {"lead": 3, "focus": 3, "time": 3, "challenge": 3},
        "approaches_wanted": [],
        "approaches_avoided": [],
        "preferences": {},
        "state": "NY",
        "format": "video",
        "offices": [],
        "times": [],
        "payment": {},
        "safety": "not at all",
        "first_name": "Ana",
        "email": "ana@example.org",
        "timezone": "America/New_York",
    }
    data.update(changes)
    return data


def answers(**changes):
    return parse_intake(intake(**changes), vocabularies=VOCABULARIES)


def profile(cid: int = 1, **changes) -> ClinicianProfile:
    """A clinician who passes every hard filter of the default intake."""
    values = {
        "id": cid,
        "email": f"c{cid}@example.org",
        "languages": frozenset({"English"}),
        "concerns": frozenset({"anxiety", "trauma and PTSD"}),
        "ages": frozenset({"adults"}),
        "formats": frozenset({"video"}),
        "licensed_states": frozenset({"NY"}),
        "self_pay_fee": 150,
        "first_open_slot": NOW + dt.timedelta(days=3),
        "time_buckets": frozenset({"weekday daytime"}),
    }
    values.update(changes)
    return ClinicianProfile(**values)


def run(a, profiles, *, p0=0.75, weights=WEIGHTS, excluded_ids=()):
    return rank(
        a, profiles, practice_felt_heard=p0, weights=weights, now=NOW, excluded_ids=excluded_ids
    )


def only(a, p, **kw):
    """The single clinician's match, or its exclusion."""
    ranking = run(a, [p], **kw)
    return (ranking.matches or ranking.excluded)[0]


def texts(item):
    return [str(r) for r in item.reasons]


# --- Strategies -----------------------------------------------------------------------------

names = st.sampled_from(["anxiety", "depression", "trauma and PTSD", "sleep", "grief and loss"])
styles = st.tuples(*[st.integers(1, 5)] * 4)


@st.composite
def profiles(draw, cid=None):
    return profile(
        cid if cid is not None else draw(st.integers(1, 10_000)),
        concerns=frozenset(draw(st.lists(names, max_size=4))),
        focus_concerns=frozenset(draw(st.lists(names, max_size=2))),
        style=draw(styles),
        approaches=frozenset(draw(st.lists(st.sampled_from(["CBT", "EMDR", "DBT"]), max_size=2))),
        languages=frozenset(draw(st.lists(st.sampled_from(["English", "Spanish"]), min_size=1))),
        accepting=draw(st.booleans()),
        gender=draw(st.sampled_from(["woman", "man", ""])),
        felt_heard=draw(
            st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: (min(t), max(t)))
        ),
        time_buckets=frozenset(draw(st.lists(st.sampled_from(["weekends", "weekday evenings"])))),
        first_open_slot=draw(
            st.one_of(st.none(), st.integers(0, 400).map(lambda h: NOW + dt.timedelta(hours=h)))
        ),
    )


@st.composite
def intakes(draw):
    style = draw(styles)
    return answers(
        concerns=draw(st.lists(names, max_size=3, unique=True)),
        goal_tags=draw(st.lists(st.sampled_from(["sleep better", "feel calmer"]), unique=True)),
        style=dict(zip(("lead", "focus", "time", "challenge"), style, strict=True)),
        approaches_wanted=draw(st.lists(st.sampled_from(["CBT", "EMDR"]), unique=True, max_size=1)),
        approaches_avoided=draw(st.lists(st.sampled_from(["DBT"]), max_size=1)),
        times=draw(st.lists(st.sampled_from(["weekends", "weekday evenings"]), unique=True)),
        preferences={
            "language": {
                "value": "Spanish",
                "importance": draw(st.sampled_from(["none", "nice", "must"])),
            },
            "gender": {"value": "woman", "importance": draw(st.sampled_from(["none", "nice"]))},
        },
        email=draw(st.emails()),
    )
