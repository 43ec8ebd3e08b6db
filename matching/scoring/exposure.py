"""Fair exposure (docs/domain.md, "Fair exposure"): clinicians who fit about equally take turns at
the top, in an order drawn from the intake (the same answers always give the same order)."""

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rank import Match


def fair_exposure_key(seed: str, clinician_id: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{clinician_id}".encode(), digest_size=8).digest()


def fair_order(matches: "list[Match]", *, seed: str, band: float) -> "list[Match]":
    """Best first; clinicians within `band` points of the best of their group share its place
    and are ordered by a stable hash of (intake, clinician), so equal fits take turns at the
    top."""
    matches = sorted(matches, key=lambda m: (-m.score, m.clinician_id))
    out: list[Match] = []
    i, n = 0, len(matches)
    while i < n:
        top = matches[i].score
        j = i + 1
        while j < n and top - matches[j].score <= band:
            j += 1
        group = matches[i:j]
        if len(group) > 1:
            group.sort(key=lambda m: fair_exposure_key(seed, m.clinician_id))
        out += group
        i = j
    return out
