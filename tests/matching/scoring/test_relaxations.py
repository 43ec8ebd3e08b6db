"""Relaxations (matching/scoring/relaxations.py)."""

from ..scoring_data import answers, profile, run


def test_it_suggests_which_single_preference_to_relax():
    a = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "must"},
            "gender": {"value": "woman", "importance": "must"},
        }
    )
    spanish_man = [profile(i, languages=frozenset({"Spanish"}), gender="man") for i in (1, 2, 3)]
    english_woman = [profile(4, gender="woman")]
    neither = [profile(5, gender="man")]
    ranking = run(a, spanish_man + english_woman + neither)
    assert ranking.matches == []
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [
        ("gender", 3),
        ("language", 1),
    ]


def test_it_suggests_video_for_in_person_clients():
    a = answers(format="in person", offices=["Northside"])
    video = [profile(i) for i in range(1, 5)]
    ranking = run(a, video)
    relax = {r.preference: r for r in ranking.relaxations}
    assert relax["format"].would_add == 4
    assert relax["format"].value == "either"


def test_it_does_not_count_clinicians_without_open_slots_as_relaxable():
    a = answers(payment={"insurance": "Aetna"})
    ranking = run(a, [profile(1), profile(2, first_open_slot=None)])
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [("payment", 1)]


def test_it_suggests_nothing_when_enough_pass():
    a = answers(payment={"insurance": "Aetna"})
    fits = [profile(i, insurance=frozenset({"Aetna"})) for i in (1, 2, 3)]
    assert run(a, [*fits, profile(4)]).relaxations == []


def test_it_suggests_the_same_relaxations_without_the_unrelaxable_near_misses():
    a = answers(payment={"insurance": "Aetna"})
    ranking = run(
        a,
        [
            profile(1),  # payment only: counted
            profile(2, accepting=False, insurance=frozenset({"Aetna"})),
            profile(3, licensed_states=frozenset({"NJ"}), insurance=frozenset({"Aetna"})),
            profile(4, insurance=frozenset({"Aetna"})),
        ],
        excluded_ids=[4],
    )
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [("payment", 1)]
