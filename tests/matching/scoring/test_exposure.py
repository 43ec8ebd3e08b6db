"""Fair exposure and the shown fit (matching/scoring/exposure.py)."""

from matching.scoring import fair_exposure_key

from ..scoring_data import answers, profile, run


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
