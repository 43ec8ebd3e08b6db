"""The ranking (matching/scoring/rank.py): composing the rules, reasons and exclusions read
when needed."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import Weights, shown_fit

from ..scoring_data import NOW, WEIGHTS, answers, intakes, only, profile, profiles, run


def test_it_uses_the_weights():
    a = answers(concerns=["sleep"])
    goals_only = Weights(goals=1, tasks=0, bond=0, practical_points=0)
    assert only(a, profile(), weights=goals_only).score == 0.0


def test_it_ranks_best_first():
    a = answers(concerns=["trauma and PTSD"])
    ranking = run(
        a,
        [
            profile(1, concerns=frozenset()),
            profile(2, focus_concerns=frozenset({"trauma and PTSD"})),
        ],
    )
    assert [m.clinician_id for m in ranking.matches] == [2, 1]


@settings(max_examples=60, deadline=None)
@given(a=intakes(), ps=st.lists(profiles(), max_size=8, unique_by=lambda p: p.id))
def test_it_keeps_scores_in_range_and_excluded_out_of_matches(a, ps):
    ranking = run(a, ps, excluded_ids={p.id for p in ps[:1]})
    matched = {m.clinician_id for m in ranking.matches}
    assert matched.isdisjoint({e.clinician_id for e in ranking.excluded})
    assert len(matched) + len(ranking.excluded) == len(ps)
    for m in ranking.matches:
        assert 0 <= m.score <= 100
        assert all(0 <= v <= 100 for v in m.components.as_dict().values())


@settings(max_examples=40, deadline=None)
@given(a=intakes(), ps=st.lists(profiles(), max_size=8, unique_by=lambda p: p.id))
def test_it_gives_the_same_output_for_the_same_input(a, ps):
    assert run(a, ps) == run(a, list(reversed(ps)))


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


@settings(max_examples=80, deadline=None)
@given(
    a=intakes(),
    ps=st.lists(profiles(), max_size=10, unique_by=lambda p: p.id),
    band=st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]),
)
def test_it_shows_whole_fits_best_first_each_with_a_reason(a, ps, band):
    ranking = run(a, ps, weights=dataclasses.replace(WEIGHTS, tie_band=band))
    fits = [m.fit for m in ranking.matches]
    # What the client sees is in order: taking turns never puts a lower shown fit above.
    assert fits == sorted(fits, reverse=True)
    for m in ranking.matches:
        assert isinstance(m.fit, int) and 0 <= m.fit <= 100
        assert m.fit == shown_fit(m.score, band)
        assert abs(m.fit - m.score) <= max(1.0, round(band)) / 2
        assert any(r.positive for r in m.reasons)
        assert m.fit_words


def test_it_says_where_they_can_meet_when_nothing_else_speaks_for_a_match():
    def reasons(a, p):
        return [str(r) for r in only(a, p).reasons]

    nothing_asked = {"concerns": [], "style": None, "times": []}
    both = profile(formats=frozenset({"video", "phone"}))
    assert reasons(answers(**nothing_asked), both) == ["Offers video sessions, licensed in NY"]
    assert reasons(answers(**nothing_asked, format="either"), both) == [
        "Offers video and phone sessions, licensed in NY"
    ]
    in_person = answers(**nothing_asked, format="in person", offices=["Northside", "Downtown"])
    p = profile(formats=frozenset({"in person"}), offices=frozenset({"Northside"}))
    assert reasons(in_person, p) == ["Sees clients in person at Northside"]
    # A match with something else to say for itself keeps only that.
    assert reasons(answers(), profile()) == ["Treats trauma and PTSD", "Treats anxiety"]


@settings(max_examples=60, deadline=None)
@given(a=intakes(), p=profiles())
def test_explaining_a_component_never_changes_its_points(a, p):
    from matching.scoring import ClientContext
    from matching.scoring.bond import bond
    from matching.scoring.goals import goals
    from matching.scoring.practical import practical
    from matching.scoring.tasks import tasks

    if p.first_open_slot is None:
        p = dataclasses.replace(p, first_open_slot=NOW)
    c = ClientContext(a)
    for component, kw in (
        (goals, {}),
        (tasks, {}),
        (bond, {"p0": 0.75, "k": 10.0, "cap": 15.0}),
        (practical, {"now": NOW}),
    ):
        points, none = component(c, p, **kw)
        explained, why = component(c, p, explain=True, **kw)
        assert none is None and isinstance(why, list)
        assert explained == points
