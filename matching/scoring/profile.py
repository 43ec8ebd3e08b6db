"""What scoring knows about a clinician and the weights it scores with: plain frozen data."""

import datetime as dt
from dataclasses import dataclass

# A component the client gave us nothing to compare on is neither a plus nor a minus.
NEUTRAL = 75.0


@dataclass(frozen=True)
class ClinicianProfile:
    """What scoring needs to know about one clinician, already resolved for this client."""

    id: int
    email: str
    is_active: bool = True
    accepting: bool = True
    gender: str = ""  # casefolded
    languages: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    lgbtq_affirming: bool = False
    faith_informed: bool = False
    concerns: frozenset[str] = frozenset()
    focus_concerns: frozenset[str] = frozenset()
    approaches: frozenset[str] = frozenset()
    ages: frozenset[str] = frozenset({"adults"})  # clinicians.models.AGE_BANDS codes
    formats: frozenset[str] = frozenset({"video"})  # "video", "phone", "in person"
    offices: frozenset[str] = frozenset()
    licensed_states: frozenset[str] = frozenset()  # licences unexpired today
    style: tuple[int, int, int, int] = (3, 3, 3, 3)  # lead, focus, time, challenge
    insurance: frozenset[str] = frozenset()
    self_pay_fee: int | None = None
    sliding_scale_min: int | None = None
    time_buckets: frozenset[str] = frozenset()  # vocab.TIMES codes, in the client's zone
    first_open_slot: dt.datetime | None = None
    felt_heard: tuple[int, int] = (0, 0)  # (yes, answers)
    # Strengths per concern (scoring/strengths.py): (concern, estimate minus the practice's
    # mean for it, clients behind it). Empty: at the mean for every concern.
    strengths: tuple[tuple[str, float, int], ...] = ()


def profile_from_fields(**fields) -> ClinicianProfile:
    """A profile from the roster's already-checked values."""
    return ClinicianProfile(**fields)


def with_availability(
    p: ClinicianProfile,
    *,
    first_open_slot: dt.datetime | None,
    felt_heard: tuple[int, int],
    time_buckets: frozenset[str],
) -> ClinicianProfile:
    """A copy of a profile with this request's first open slot, feedback and times."""
    # What dataclasses.replace gives, without re-running __init__ over every field: called
    # for every clinician who passes, it was a tenth of a ranking.
    out = object.__new__(ClinicianProfile)
    fields = out.__dict__  # a frozen dataclass refuses setattr, not its __dict__
    fields.update(p.__dict__)
    fields["first_open_slot"] = first_open_slot
    fields["felt_heard"] = felt_heard
    fields["time_buckets"] = time_buckets
    return out


@dataclass(frozen=True)
class Weights:
    """The staff-editable numbers of the ranking (matching.models.MatchingSettings)."""

    goals: float = 0.40
    tasks: float = 0.30
    bond: float = 0.30
    practical_points: float = 5.0
    prior_strength: float = 10.0
    feedback_cap: float = 15.0
    tie_band: float = 1.0
    relaxation_threshold: int = 3
    # Strengths per concern: off unless the practice turns them on.
    strengths_on: bool = False
    strength_scale: float = 4.0
    strength_cap: float = 10.0

    @classmethod
    def from_settings(cls, s) -> "Weights":
        return cls(
            goals=s.weight_goals,
            tasks=s.weight_tasks,
            bond=s.weight_bond,
            practical_points=s.practical_points,
            prior_strength=s.feedback_prior_strength,
            feedback_cap=s.feedback_cap_points,
            tie_band=s.tie_band_points,
            relaxation_threshold=s.relaxation_threshold,
            strengths_on=s.strengths_enabled,
            strength_scale=s.strength_points_per_point,
            strength_cap=s.strength_cap_points,
        )
