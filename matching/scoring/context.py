"""What the client asked for, worked out once per ranking so the rules only compare."""

import copy
from collections.abc import Iterable, Mapping

from ..intake_schema import IntakeAnswers
from ..vocab import GOAL_TAGS
from . import filters
from .goals import GOAL_TAG_WEIGHT, RANK_WEIGHTS
from .preferences import PREFERENCE_KEYS
from .profile import ClinicianProfile
from .tasks import STYLE_NO_PREFERENCE

# The intake's format answer → the remote formats that serve it (None: in person).
REMOTE_FORMATS = {"video": ("video",), "phone": ("phone",), "either": ("video", "phone")}
# Couples and families are served as a band of their own, whatever the client's age.
BAND_FOR = {"couple": "couples", "family": "families"}


class ClientContext:
    """Everything about the client the rules need, worked out once: which hard filters apply
    (`filters`) and what each component compares against."""

    def __init__(
        self,
        a: IntakeAnswers,
        excluded_ids: Iterable[int] = (),
        labels: Mapping[str, str] | None = None,
    ):
        self.answers = a
        # Vocabulary names as the client reads them (their language), for the words only.
        self.labels = labels or {}
        # Clinicians this client said weren't the right fit (the fit check).
        self.excluded_ids = frozenset(excluded_ids)
        self.band = BAND_FOR.get(a.for_whom, a.age_band)
        remote = REMOTE_FORMATS.get(a.format)
        self.remote_set = frozenset(remote) if remote is not None else None
        self.formats = self.remote_set or frozenset({"in person"})  # any one will do
        self.state = a.state
        self.offices = frozenset(a.offices)
        # (key, value) of each preference by importance, in PREFERENCE_KEYS order.
        self.musts = [
            (k, a.preference(k).value)
            for k in PREFERENCE_KEYS
            if a.preference(k).importance == "must"
        ]
        self.nice = [
            (k, a.preference(k).value)
            for k in PREFERENCE_KEYS
            if a.preference(k).importance == "nice"
        ]
        self.preferences = [
            (k, a.preference(k).value, a.preference(k).importance == "nice")
            for k in PREFERENCE_KEYS
            if a.preference(k).importance in ("nice", "must")
        ]
        self.plan = a.payment.insurance
        self.budget = a.payment.self_pay_budget
        self.pays = a.payment.given
        self.concerns = [
            (c, RANK_WEIGHTS[i]) for i, c in enumerate(a.concerns[: len(RANK_WEIGHTS)])
        ]
        self.tags = [(t, GOAL_TAGS[t]) for t in a.goal_tags]
        self.goals_total = sum(w for _c, w in self.concerns) + GOAL_TAG_WEIGHT * len(self.tags)
        # The dimensions the client moved off the middle; None when they minded none of them.
        minded = [(i, want) for i, want in enumerate(a.style or ()) if want != STYLE_NO_PREFERENCE]
        self.style = tuple(minded) or None
        self.wanted = a.approaches_wanted
        self.avoided = a.approaches_avoided
        self.times = a.times
        self._set_filters()

    def _set_filters(self) -> None:
        self.filters = filters.filters_for(self)  # in the order failures are listed
        self.quick = filters.quick_order(self.filters)

    def excluding(self, excluded_ids: Iterable[int] | None) -> "ClientContext":
        """This context with other not-a-fit clinicians (itself when they are the same)."""
        if excluded_ids is None:
            return self
        ids = frozenset(excluded_ids)
        if ids == self.excluded_ids:
            return self
        other = copy.copy(self)
        other.excluded_ids = ids
        other._set_filters()
        return other

    def passes(self, p: ClinicianProfile, excluded_ids: Iterable[int] | None = None) -> bool:
        """Whether the clinician passes every hard filter (open slots aside): the quick check,
        `filters.first_failure`. `excluded_ids`, when given, replaces the context's not-a-fit
        ids."""
        c = self if excluded_ids is None else self.excluding(excluded_ids)
        return filters.first_failure(c, p) is None
