"""Goals (matching/scoring/goals.py)."""

import dataclasses

import pytest
from hypothesis import given, settings

from ..scoring_data import NOW, answers, intakes, names, only, profile, profiles, run, texts


def test_it_scores_focus_concerns_above_treated_ones_above_none():
    a = answers(concerns=["trauma and PTSD"])
    focus = only(a, profile(focus_concerns=frozenset({"trauma and PTSD"})))
    treats = only(a, profile(concerns=frozenset({"trauma and PTSD"})))
    none = only(a, profile(concerns=frozenset({"sleep"})))
    assert focus.components.goals == 100.0
    assert treats.components.goals == 70.0
    assert none.components.goals == 0.0
    assert "Focuses on trauma and PTSD" in texts(focus)
    assert "Treats trauma and PTSD" in texts(treats)
    assert "Does not list trauma and PTSD among the concerns they treat" in texts(none)


def test_it_weights_the_first_concern_most():
    a = answers(concerns=["trauma and PTSD", "anxiety"])
    first = only(a, profile(concerns=frozenset({"trauma and PTSD"})))
    second = only(a, profile(concerns=frozenset({"anxiety"})))
    assert first.components.goals > second.components.goals


def test_it_counts_goal_tags_lightly():
    a = answers(concerns=["anxiety"], goal_tags=["sleep better"])
    with_tag = only(a, profile(concerns=frozenset({"anxiety", "sleep"})))
    without = only(a, profile(concerns=frozenset({"anxiety"})))
    assert with_tag.components.goals == 70.0
    assert without.components.goals == pytest.approx(70 * 3 / 4, abs=0.1)
    assert "Can help with your goal: sleep better" in texts(with_tag)


def test_it_gives_a_neutral_goals_score_without_concerns():
    assert only(answers(concerns=[]), profile()).components.goals == 75.0


@settings(max_examples=60, deadline=None)
@given(a=intakes(), p=profiles(cid=1), extra=names)
def test_it_never_lowers_goals_when_a_clinician_treats_one_more_asked_concern(a, p, extra):
    p = dataclasses.replace(
        p, accepting=True, first_open_slot=NOW, languages=frozenset({"Spanish"})
    )
    asked = list(a.concerns) or [extra]
    a = dataclasses.replace(a, concerns=tuple(asked))
    before = run(a, [p]).matches[0].components.goals
    more = dataclasses.replace(p, concerns=p.concerns | {asked[-1]})
    assert run(a, [more]).matches[0].components.goals >= before
