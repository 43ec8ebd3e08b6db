"""Bond (matching/scoring/bond.py)."""

import dataclasses

import pytest

from matching.scoring import felt_heard_mean

from ..scoring_data import WEIGHTS, answers, only, profile, run, texts


def test_it_weights_nice_to_have_preferences():
    a = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "nice"},
            "lgbtq_affirming": {"importance": "nice"},
        }
    )
    both = only(a, profile(languages=frozenset({"Spanish"}), lgbtq_affirming=True))
    one = only(a, profile(languages=frozenset({"Spanish"})))
    none = only(a, profile())
    assert both.components.bond > one.components.bond > none.components.bond
    assert "Speaks Spanish" in texts(both)
    assert "LGBTQ+-affirming" in texts(both)
    assert "Has not said they are LGBTQ+-affirming" in texts(one)


def test_it_shrinks_felt_heard_feedback_toward_the_practice_average():
    assert felt_heard_mean(0, 0, p0=0.75, k=10) == 0.75
    assert felt_heard_mean(1, 1, p0=0.75, k=10) == pytest.approx(8.5 / 11)
    few = only(answers(), profile(felt_heard=(1, 1)))
    many = only(answers(), profile(felt_heard=(100, 100)))
    new = only(answers(), profile())
    assert new.components.bond < few.components.bond < many.components.bond


def test_it_caps_the_feedback_effect():
    weights = dataclasses.replace(WEIGHTS, feedback_cap=5.0)
    new = only(answers(), profile(), weights=weights)
    best = only(answers(), profile(felt_heard=(1000, 1000)), weights=weights)
    worst = only(answers(), profile(felt_heard=(0, 1000)), weights=weights)
    assert best.components.bond - new.components.bond == pytest.approx(5.0)
    assert new.components.bond - worst.components.bond == pytest.approx(5.0)
    assert "Clients often say they felt heard in their consultation" in texts(best)


def test_it_does_not_rank_a_new_clinician_below_an_equal_one_with_average_feedback():
    new, average = profile(1), profile(2, felt_heard=(75, 100))
    tops = set()
    for n in range(30):
        ranking = run(answers(email=f"client{n}@example.org"), [new, average])
        scores = {m.clinician_id: m.score for m in ranking.matches}
        assert scores[1] >= scores[2]
        tops.add(ranking.matches[0].clinician_id)
    assert tops == {1, 2}


def test_it_scores_bond_on_nice_to_haves_only():
    musts_and_nice = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "must"},
            "lgbtq_affirming": {"importance": "nice"},
        }
    )
    nice_only = answers(preferences={"lgbtq_affirming": {"importance": "nice"}})
    spanish = {"languages": frozenset({"Spanish"})}
    with_nice = only(musts_and_nice, profile(lgbtq_affirming=True, **spanish))
    without = only(musts_and_nice, profile(**spanish))
    # The must-have (met by everyone who passes) no longer dilutes the nice-to-have.
    assert (
        with_nice.components.bond == only(nice_only, profile(lgbtq_affirming=True)).components.bond
    )
    assert with_nice.components.bond == 85.0 and without.components.bond == 15.0
    assert "Speaks Spanish" in texts(with_nice)  # a met must-have is still a reason
    assert "Has not said they are LGBTQ+-affirming" in texts(without)


def test_it_gives_a_neutral_bond_score_with_must_haves_only():
    a = answers(preferences={"language": {"value": "Spanish", "importance": "must"}})
    assert only(a, profile(languages=frozenset({"Spanish"}))).components.bond == 75.0
