"""When few clinicians pass: which single answer, changed, would bring how many more
(docs/domain.md, "Relaxations")."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .context import ClientContext
from .filters import WHERE_FILTERS, failures, near_miss
from .profile import ClinicianProfile

# The format that might add clinicians, by the client's: "either" is video or phone.
ALTERNATIVE_FORMAT = {"in person": "either", "video": "either", "phone": "either"}
# How that alternative is offered to the client: the formats they didn't choose.
SUGGESTED_FORMAT = {"in person": "either", "video": "phone", "phone": "video"}


@dataclass(frozen=True)
class Relaxation:
    preference: str  # a preference key, "payment", "office" or "format"
    would_add: int
    value: str = ""  # for "format": the format that would add them


def relaxations(c: ClientContext, failed: Iterable[ClinicianProfile]) -> list[Relaxation]:
    """For each relaxable answer, how many of these clinicians (who failed a hard filter)
    would pass if it alone changed. A clinician without an open slot never counts."""
    fmt = c.answers.format
    alternative = ALTERNATIVE_FORMAT.get(fmt)
    other = ClientContext(replace(c.answers, format=alternative)) if alternative else None
    counts: dict[str, int] = {}
    for p in failed:
        if p.first_open_slot is None:
            continue
        keys = [f.key for f in failures(c, p)]
        if not near_miss(keys):
            continue
        if len(keys) == 1 and keys[0] != "format":
            counts[keys[0]] = counts.get(keys[0], 0) + 1
        elif other is not None and all(check(other, p) is None for check in WHERE_FILTERS):
            counts["format"] = counts.get("format", 0) + 1
    value = SUGGESTED_FORMAT.get(fmt, "")
    out = [Relaxation(key, n, value if key == "format" else "") for key, n in counts.items()]
    out.sort(key=lambda r: (-r.would_add, r.preference))
    return out
