"""Fair exposure, and the fit a client is shown (docs/domain.md, "Fair exposure").

A client sees each clinician's fit as a whole number, so the order must agree with what they
see: clinicians are ranked by their shown fit, and only clinicians whose shown fit is the same
take turns at the top, in an order drawn from the intake (the same answers always give the
same order)."""

import hashlib
import math
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .rank import Match

STRONG_FIT = 80  # a shown fit from here up reads "Strong fit"
GOOD_FIT = 60


def shown_fit(score: float, tie_band: float) -> int:
    """The fit a client sees: the score in whole points, in steps of the tie band when that is
    wider than a point, so clinicians within one step show the same fit and share a place."""
    step = max(1, round(tie_band))
    return min(100, int(math.floor(score / step + 0.5)) * step)


def fit_words(fit: int) -> str:
    """The shown fit in words."""
    if fit >= STRONG_FIT:
        return _("Strong fit")
    if fit >= GOOD_FIT:
        return _("Good fit")
    return _("Possible fit")


def fair_exposure_key(seed: str, clinician_id: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{clinician_id}".encode(), digest_size=8).digest()


def fair_order(matches: "list[Match]", *, seed: str, rotate: bool) -> "list[Match]":
    """Best shown fit first. Among equal shown fits, with `rotate` (a tie band above zero), a
    stable hash of (intake, clinician) decides, so equal fits take turns at the top; without
    it, the exact score does and only exact ties take turns."""
    matches = sorted(matches, key=lambda m: (-m.fit, -m.score, m.clinician_id))
    out: list[Match] = []
    i, n = 0, len(matches)
    while i < n:
        first = matches[i]
        j = i + 1
        if rotate:
            while j < n and matches[j].fit == first.fit:
                j += 1
        else:
            while j < n and matches[j].score == first.score:
                j += 1
        group = matches[i:j]
        if len(group) > 1:
            group.sort(key=lambda m: fair_exposure_key(seed, m.clinician_id))
        out += group
        i = j
    return out
