"""Rank the practice's clinicians for an intake on the therapeutic alliance, and say why.

Pure: plain data in, plain data out; no ORM, request or clock. docs/domain.md explains the
evidence and each rule. Where each rule lives:

- `filters`: the hard filters, one function each (and `near_miss`);
- `goals`, `tasks`, `bond`, `practical`: the four components, one function each, returning
  points and, when asked, the reasons noted on the way (`preferences`: the therapist
  characteristics that are a must-have filter or a nice-to-have in the bond);
- `exposure`: the fit a client is shown and fair exposure among equal fits;
- `relaxations`: which single answer, changed, would bring more matches;
- `rank`: composes them; `context`: the client's answers worked out once; `words`: reasons
  worded when read; `profile`: the clinician's data and the weights."""

from .bond import felt_heard_mean
from .context import BAND_FOR, REMOTE_FORMATS, ClientContext
from .exposure import fair_exposure_key, fit_words, shown_fit
from .filters import hard_filter_failures, near_miss
from .profile import ClinicianProfile, Weights, profile_from_fields, with_availability
from .rank import Components, Exclusion, Match, Ranking, rank
from .relaxations import Relaxation
from .words import Reason

__all__ = [
    "BAND_FOR",
    "REMOTE_FORMATS",
    "ClientContext",
    "ClinicianProfile",
    "Components",
    "Exclusion",
    "Match",
    "Ranking",
    "Reason",
    "Relaxation",
    "Weights",
    "fair_exposure_key",
    "felt_heard_mean",
    "fit_words",
    "hard_filter_failures",
    "near_miss",
    "profile_from_fields",
    "rank",
    "shown_fit",
    "with_availability",
]
