"""Fair exposure and the shown fit (matching/scoring/exposure.py)."""

import datetime as dt

import pytest

from matching.scoring import Components, Match, fair_exposure_key, fit_words, shown_fit
from matching.scoring.exposure import fair_order

from ..scoring_data import NOW, WEIGHTS, answers, profile, run


def test_it_shares_the_top_place_among_equal_fits():
    clinicians = [profile(i) for i in range(1, 6)]
    tops = set()
    for n in range(40):
        a = answers(email=f"client{n}@example.org")
        first = run(a, clinicians)
        again = run(a, list(reversed(clinicians)))
        assert [m.clinician_id for m in first.matches] == [m.clinician_id for m in again.matches]
        tops.add(first.matches[0].clinician_id)
    assert len(tops) >= 3


def test_it_orders_ties_by_a_stable_hash():
    assert fair_exposure_key("seed", 1) == fair_exposure_key("seed", 1)
    assert fair_exposure_key("seed", 1) != fair_exposure_key("other", 1)


def test_it_does_not_shuffle_clear_differences():
    a = answers(concerns=["trauma and PTSD"])
    better = profile(1, focus_concerns=frozenset({"trauma and PTSD"}))
    for n in range(10):
        ranking = run(
            answers(concerns=["trauma and PTSD"], email=f"c{n}@x.org"), [profile(2), better]
        )
        assert ranking.matches[0].clinician_id == 1
    assert run(a, [better]).matches[0].score > run(a, [profile(2)]).matches[0].score + 1


def match(cid: int, score: float, band: float = 1.0) -> Match:
    parts = Components(score, score, score, score)
    return Match(cid, f"c{cid}@example.org", score, parts, fit=shown_fit(score, band))


@pytest.mark.parametrize(
    ("score", "band", "fit"),
    [
        (30.5, 1.0, 31),
        (30.4, 1.0, 30),
        (99.6, 1.0, 100),
        (0.0, 1.0, 0),
        (81.4, 0.0, 81),
        (81.4, 2.0, 82),
        (80.9, 2.0, 80),
        (97.6, 5.0, 100),
        (83.4, 5.0, 85),
    ],
)
def test_it_shows_the_fit_as_a_whole_number_in_steps_of_the_tie_band(score, band, fit):
    assert shown_fit(score, band) == fit


def test_it_puts_the_fit_into_words():
    assert [fit_words(f) for f in (100, 80, 79, 60, 59, 0)] == [
        "Strong fit",
        "Strong fit",
        "Good fit",
        "Good fit",
        "Possible fit",
        "Possible fit",
    ]


def test_it_never_shows_a_lower_fit_above_a_higher_one():
    """30.3 and 30.5 are within a point, but they show as 30 and 31."""
    for n in range(40):
        ordered = fair_order([match(1, 30.3), match(2, 30.5)], seed=f"intake{n}", rotate=True)
        assert [(m.clinician_id, m.fit) for m in ordered] == [(2, 31), (1, 30)]


def test_it_rotates_only_clinicians_who_show_the_same_fit():
    tops = set()
    for n in range(40):
        ordered = fair_order(
            [match(1, 30.3), match(2, 30.4), match(3, 29.4)], seed=f"intake{n}", rotate=True
        )
        assert [m.fit for m in ordered] == [30, 30, 29]
        assert ordered[-1].clinician_id == 3
        tops.add(ordered[0].clinician_id)
    assert tops == {1, 2}


def test_it_orders_by_exact_score_without_a_tie_band():
    for n in range(10):
        ordered = fair_order([match(1, 30.3), match(2, 30.4)], seed=f"intake{n}", rotate=False)
        assert [m.clinician_id for m in ordered] == [2, 1]


def test_it_ranks_by_the_shown_fit_when_slots_differ_by_hours():
    """Clinicians apart only in how soon they can meet score within fractions of a point."""
    clinicians = [profile(i, first_open_slot=NOW + dt.timedelta(hours=7 * i)) for i in range(1, 30)]
    for n in range(20):
        ranking = run(answers(email=f"client{n}@example.org"), clinicians)
        fits = [m.fit for m in ranking.matches]
        assert fits == sorted(fits, reverse=True)
        assert len(set(fits)) > 1
    assert WEIGHTS.tie_band == 1.0
