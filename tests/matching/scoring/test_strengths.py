"""Strengths per concern (matching/scoring/strengths.py, and their use in goals.py)."""

import dataclasses
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matching.scoring.strengths import (
    DEFAULT_SIGMA,
    Outcome,
    estimate_strengths,
    posterior_sd,
    shrunk_mean,
)

from ..scoring_data import WEIGHTS, answers, only, profile, run, texts

means = st.floats(-12, 12, allow_nan=False)
ks = st.floats(1, 100, allow_nan=False)

# --- The shrinkage ---------------------------------------------------------------------------


@given(prior=means, k=ks)
def test_no_data_gives_the_practice_mean(prior, k):
    assert shrunk_mean(0.0, 0, prior_mean=prior, k=k) == pytest.approx(prior)


@given(value=means, prior=means, k=ks, n=st.integers(1, 200))
def test_more_consistent_data_moves_the_estimate_further(value, prior, k, n):
    assume(abs(value - prior) > 1e-6)
    fewer = shrunk_mean(value * n, n, prior_mean=prior, k=k)
    more = shrunk_mean(value * (n + 1), n + 1, prior_mean=prior, k=k)
    # Toward the clients' mean, never past it, and further with each client who agrees.
    assert abs(more - prior) > abs(fewer - prior)
    assert abs(more - prior) <= abs(value - prior) + 1e-9
    assert (more - prior) * (value - prior) > 0


@given(value=means, prior=means, n=st.integers(1, 50), k=ks)
def test_a_stronger_prior_pulls_harder_toward_the_mean(value, prior, n, k):
    assume(abs(value - prior) > 1e-6)
    weak = shrunk_mean(value * n, n, prior_mean=prior, k=k)
    strong = shrunk_mean(value * n, n, prior_mean=prior, k=k + 1)
    assert abs(strong - prior) < abs(weak - prior)


def test_the_formula_is_the_stated_one():
    # (n·mean + k·practice mean) / (n + k): 4 clients improving 6 points, practice 2, k 10.
    assert shrunk_mean(24.0, 4, prior_mean=2.0, k=10.0) == pytest.approx((24 + 20) / 14)
    assert posterior_sd(3.0, 4, 10.0) == pytest.approx(3 / math.sqrt(14))


@given(sigma=st.floats(0.5, 10, allow_nan=False), n=st.integers(0, 500), k=ks)
def test_uncertainty_falls_as_clients_add_up(sigma, n, k):
    assert posterior_sd(sigma, n + 1, k) < posterior_sd(sigma, n, k)
    # With no clients it is the prior's own spread, σ/√k.
    assert posterior_sd(sigma, 0, k) == pytest.approx(sigma / math.sqrt(k))


def test_each_concern_has_its_own_practice_mean_and_a_lone_clinician_sits_at_it():
    outcomes = [
        Outcome(1, "anxiety", 6.0),
        Outcome(1, "anxiety", 4.0),
        Outcome(2, "anxiety", 0.0),
        Outcome(2, "anxiety", 2.0),
        Outcome(3, "grief and loss", 5.0),
    ]
    found = {(e.clinician_id, e.concern): e for e in estimate_strengths(outcomes, k=2.0)}

    assert found[(1, "anxiety")].practice_mean == 3.0
    assert found[(1, "anxiety")].estimate == pytest.approx((10 + 2 * 3) / 4)
    assert found[(2, "anxiety")].estimate == pytest.approx((2 + 2 * 3) / 4)
    # Alone with a concern, a clinician is the practice's mean for it: no advantage.
    assert found[(3, "grief and loss")].advantage == 0.0
    assert found[(1, "anxiety")].uncertainty == pytest.approx(DEFAULT_SIGMA / 2)


# --- In the goals score ------------------------------------------------------------------------

ON = dataclasses.replace(WEIGHTS, strengths_on=True, strength_scale=4.0, strength_cap=10.0)


def test_strengths_change_nothing_until_the_practice_turns_them_on():
    a = answers(concerns=["anxiety"])
    strong = profile(strengths=(("anxiety", 2.0, 30),))
    assert only(a, strong).components == only(a, profile()).components
    assert "Has helped many people with anxiety here" not in texts(only(a, strong))


def test_a_strength_with_the_first_concern_adds_goals_points_within_the_cap():
    a = answers(concerns=["anxiety", "sleep"])
    plain = only(a, profile(), weights=ON).components.goals
    small = only(a, profile(strengths=(("anxiety", 0.5, 8),)), weights=ON).components.goals
    huge = only(a, profile(strengths=(("anxiety", 9.0, 80),)), weights=ON).components.goals
    weak = only(a, profile(strengths=(("anxiety", -9.0, 80),)), weights=ON).components.goals

    assert small == pytest.approx(plain + 2.0, abs=0.1)
    assert huge == pytest.approx(min(100.0, plain + 10.0), abs=0.1)
    assert weak == pytest.approx(plain - 10.0, abs=0.1)


def test_only_the_first_concern_counts():
    a = answers(concerns=["sleep", "anxiety"])
    plain = only(a, profile(), weights=ON).components.goals
    other = only(a, profile(strengths=(("anxiety", 3.0, 40),)), weights=ON)
    assert other.components.goals == plain
    assert "Has helped many people with anxiety here" not in texts(other)


def test_the_reason_has_no_numbers_and_needs_enough_clients():
    a = answers(concerns=["anxiety"])
    many = only(a, profile(strengths=(("anxiety", 1.0, 12),)), weights=ON)
    few = only(a, profile(strengths=(("anxiety", 1.0, 3),)), weights=ON)

    assert texts(many)[0] == "Has helped many people with anxiety here"
    assert not any(ch.isdigit() for ch in texts(many)[0])
    assert "Has helped many people with anxiety here" not in texts(few)


@settings(max_examples=80, deadline=None)
@given(
    advantage=st.floats(-12, 12, allow_nan=False),
    clients=st.integers(0, 500),
    concerns=st.lists(
        st.sampled_from(["anxiety", "depression", "sleep"]), min_size=1, max_size=3, unique=True
    ),
)
def test_a_strength_never_excludes_anyone_and_moves_goals_at_most_the_cap(
    advantage, clients, concerns
):
    a = answers(concerns=concerns)
    base = profile(concerns=frozenset({"anxiety", "depression"}))
    withit = dataclasses.replace(base, strengths=((concerns[0], advantage, clients),))
    before = run(a, [base], weights=ON)
    after = run(a, [withit], weights=ON)

    assert len(after.matches) == len(before.matches) == 1
    delta = after.matches[0].components.goals - before.matches[0].components.goals
    assert abs(delta) <= ON.strength_cap + 0.1
