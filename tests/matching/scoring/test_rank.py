"""The ranking (matching/scoring/rank.py): composing the rules, reasons and exclusions read
when needed."""

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import Weights

from ..scoring_data import answers, intakes, only, profile, profiles, run


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
