"""Practical fit (matching/scoring/practical.py)."""

import datetime as dt

import pytest

from ..scoring_data import NOW, WEIGHTS, answers, only, profile, texts


def test_it_scores_times_and_soonness():
    a = answers(times=["weekday evenings", "weekends"])
    both = only(a, profile(time_buckets=frozenset({"weekday evenings", "weekends"})))
    one = only(a, profile(time_buckets=frozenset({"weekends"})))
    soon = only(
        a,
        profile(time_buckets=frozenset({"weekends"}), first_open_slot=NOW + dt.timedelta(hours=20)),
    )
    assert both.components.practical > one.components.practical
    assert soon.components.practical > one.components.practical
    assert "Offers evening times" in texts(both)
    assert "No evening times" in texts(one)
    assert "Has a consultation time in the next two days" in texts(soon)


def test_it_keeps_practical_fit_a_tie_breaker():
    a = answers(times=["weekends"])
    best = only(a, profile(time_buckets=frozenset({"weekends"}), first_open_slot=NOW))
    worst = only(a, profile(first_open_slot=NOW + dt.timedelta(days=30)))
    assert best.score - worst.score == pytest.approx(WEIGHTS.practical_points, abs=0.11)
