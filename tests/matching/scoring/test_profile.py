"""Clinician profiles and weights (matching/scoring/profile.py)."""

import dataclasses
import datetime as dt

import pytest

from matching.scoring import ClinicianProfile, Weights, profile_from_fields, with_availability

from ..scoring_data import NOW, profile


def test_it_builds_weights_from_settings():
    from matching.models import MatchingSettings

    w = Weights.from_settings(MatchingSettings(weight_goals=0.5, tie_band_points=2.0))
    assert (w.goals, w.tie_band, w.prior_strength) == (0.5, 2.0, 10.0)


def test_profile_defaults_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile().id = 2  # type: ignore[misc]
    assert isinstance(profile(), ClinicianProfile)


def test_it_builds_profiles_from_fields():
    values = {"id": 7, "email": "x@example.org", "concerns": frozenset({"anxiety"})}
    fast = profile_from_fields(**values)
    assert fast == ClinicianProfile(**values)
    assert isinstance(fast, ClinicianProfile)


def test_it_adds_availability_like_replace():
    p = profile(first_open_slot=None)
    slot = NOW + dt.timedelta(hours=30)
    added = with_availability(
        p, first_open_slot=slot, felt_heard=(3, 4), time_buckets=frozenset({"weekends"})
    )
    assert added == dataclasses.replace(
        p, first_open_slot=slot, felt_heard=(3, 4), time_buckets=frozenset({"weekends"})
    )
    assert p.first_open_slot is None
