"""Plain intake answers and clinician profiles for the pure scoring tests."""

import datetime as dt

from matching.intake_schema import Vocabularies, parse_intake
from matching.scoring import ClinicianProfile, Weights

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
