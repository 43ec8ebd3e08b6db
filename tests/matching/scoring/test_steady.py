"""`Ranking.steady_until`: until when the clock alone can't change the first matches."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import Weights, rank

from ..scoring_data import NOW, WEIGHTS, answers, intakes, profile, profiles


def first(ranking, shown):
    # Match equality covers id, email, score, fit, components and the worded reasons.
    return ranking.matches[:shown]


def at(a, ps, now, weights=WEIGHTS):
    return rank(a, ps, practice_felt_heard=0.75, weights=weights, now=now)


@settings(max_examples=40, deadline=None)
@given(
    a=intakes(),
    ps=st.lists(profiles(), min_size=1, max_size=12, unique_by=lambda p: p.id),
    shown=st.integers(1, 6),
    later=st.floats(0, 1),
    tie_band=st.sampled_from([0.0, 1.0, 3.0]),
)
def test_the_first_matches_stay_the_same_until_then(a, ps, shown, later, tie_band):
    weights = Weights(tie_band=tie_band)
    ranking = at(a, ps, NOW, weights)
    until = ranking.steady_until(shown)
    if until is None:
        until = NOW + dt.timedelta(days=30)
    assert until >= NOW
    # Each profile keeps its first open time (the caller bounds that by the minimum notice).
    moment = NOW + (until - NOW) * later
    moment = min([moment, *(p.first_open_slot for p in ps if p.first_open_slot)])
    assert first(at(a, ps, moment, weights), shown) == first(ranking, shown)
    assert first(at(a, ps, until, weights), shown) == first(ranking, shown)


def test_a_shown_match_changes_with_the_next_whole_hour_before_its_first_time():
    slot = NOW + dt.timedelta(hours=30, minutes=20)
    ranking = at(answers(), [profile(1, first_open_slot=slot)], NOW)
    # 30 whole hours left until 14:20 the next day; 29 from 14:20 today.
    assert ranking.steady_until(5) == slot - dt.timedelta(hours=30)


def test_a_match_below_the_page_counts_only_once_it_could_reach_it():
    soon = NOW + dt.timedelta(days=13)
    top = profile(1, first_open_slot=soon, concerns=frozenset({"anxiety", "trauma and PTSD"}))
    far_below = profile(2, first_open_slot=soon, concerns=frozenset(), style=(1, 1, 1, 1))
    ranking = at(
        answers(style={"lead": 5, "focus": 5, "time": 5, "challenge": 5}), [top, far_below], NOW
    )
    assert [m.clinician_id for m in ranking.matches] == [1, 2]
    assert ranking.matches[1].fit + 3 < ranking.matches[0].fit
    # Only the shown one's hours bound it: the other can't climb that far.
    assert ranking.steady_until(1) == soon - dt.timedelta(hours=13 * 24)
