"""The scoring loop leaves reasons and exclusions to be worked out when read; these check that
what is read is what the loop decided."""

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import (
    ClientContext,
    ClinicianProfile,
    hard_filter_failures,
    profile_from_fields,
    rank,
    with_availability,
)

from .scoring_data import NOW, WEIGHTS, answers, profile
from .test_scoring import intakes, profiles


def run(a, ps, **kw):
    return rank(a, ps, practice_felt_heard=0.75, weights=WEIGHTS, now=NOW, **kw)


def test_it_lists_exclusions_when_read_and_keeps_them():
    ranking = run(answers(), [profile(1), profile(2, accepting=False), profile(3)])
    first = ranking.excluded
    assert [(e.clinician_id, e.reasons) for e in first] == [(2, ("Not accepting new clients",))]
    assert ranking.excluded is first


def test_it_explains_a_match_when_read():
    a = answers(concerns=["trauma and PTSD"], times=["weekends"])
    ranking = run(a, [profile(focus_concerns=frozenset({"trauma and PTSD"}))])
    m = ranking.matches[0]
    assert [str(r) for r in m.reasons] == ["Focuses on trauma and PTSD", "No weekend times"]
    assert m.reasons is m.reasons
    assert "Focuses on trauma and PTSD" in repr(m)


def test_rankings_compare_by_what_they_contain():
    a = answers()
    assert run(a, [profile(1), profile(2)]) == run(a, [profile(2), profile(1)])
    assert run(a, [profile(1)]) != run(a, [profile(1, accepting=False)])


def test_it_builds_profiles_without_the_dataclass_init():
    values = {"id": 7, "email": "x@example.org", "concerns": frozenset({"anxiety"})}
    fast = profile_from_fields(**values)
    assert fast == ClinicianProfile(**values)
    assert isinstance(fast, ClinicianProfile)


def test_it_adds_availability_like_replace():
    p = profile(first_open_slot=None)
    slot = NOW + dt.timedelta(hours=30)
    added = with_availability(
        p, first_open_slot=slot, felt_heard=(3, 4), time_buckets=frozenset({"weekends"})
    )
    assert added == dataclasses.replace(
        p, first_open_slot=slot, felt_heard=(3, 4), time_buckets=frozenset({"weekends"})
    )
    assert p.first_open_slot is None


@settings(max_examples=80, deadline=None)
@given(a=intakes(), p=profiles(), excluded=st.booleans())
def test_the_quick_check_agrees_with_the_listed_failures(a, p, excluded):
    ids = frozenset({p.id}) if excluded else frozenset()
    context = ClientContext(a)
    assert context.passes(p, ids) == (not hard_filter_failures(context, p, ids))
