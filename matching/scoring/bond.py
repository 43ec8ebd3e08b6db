"""Bond: the client's nice-to-have therapist characteristics, then how often the clinician's
clients said they felt heard, shrunk hard toward the practice average (docs/domain.md,
"Bond" and "Felt heard")."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .preferences import MET, UNMET, meets
from .profile import NEUTRAL, ClinicianProfile
from .words import Note, Wording

if TYPE_CHECKING:
    from .context import ClientContext

# With nice-to-haves, none met scores NICE_FLOOR and all met NICE_FLOOR + NICE_RANGE: the rest
# of the range is left for feedback.
NICE_FLOOR = 15.0
NICE_RANGE = 70.0
FEEDBACK_SCALE = 100.0  # bond points per unit of felt-heard rate above the practice average
FEEDBACK_REASON_POINTS = 3.0
FEEDBACK_REASON_MIN_ANSWERS = 5

FELT_HEARD = Wording(True, lambda _v: _("Clients often say they felt heard in their consultation"))


def felt_heard_mean(yes: int, n: int, *, p0: float, k: float) -> float:
    """Beta posterior mean, shrunk to the practice average as if k average answers came first."""
    return (yes + k * p0) / (n + k)


def feedback_points(felt_heard: tuple[int, int], *, p0: float, k: float, cap: float) -> float:
    """Bond points for a clinician's felt-heard rate against the practice's, within ±cap."""
    yes, n = felt_heard
    delta = (felt_heard_mean(yes, n, p0=p0, k=k) - p0) * FEEDBACK_SCALE
    return cap if delta > cap else -cap if delta < -cap else delta


def bond(
    c: "ClientContext",
    p: ClinicianProfile,
    *,
    p0: float,
    k: float,
    cap: float,
    explain: bool = False,
) -> tuple[float, list[Note] | None]:
    """Bond points (0–100), and with `explain` why. Only nice-to-haves score (everyone who
    passes meets the must-haves, so counting them would only flatten the differences), but a
    met must-have is still a reason to show."""
    why: list[Note] | None = [] if explain else None
    got = 0
    for key, value, nice in c.preferences:
        if meets(key, value, p):
            got += nice
            if why is not None:
                why.append((MET[key], value))
        elif why is not None:
            why.append((UNMET[key], value))
    points = NICE_FLOOR + NICE_RANGE * got / len(c.nice) if c.nice else NEUTRAL
    delta = feedback_points(p.felt_heard, p0=p0, k=k, cap=cap)
    said_often = p.felt_heard[1] >= FEEDBACK_REASON_MIN_ANSWERS
    if why is not None and delta >= FEEDBACK_REASON_POINTS and said_often:
        why.append((FELT_HEARD, None))
    return min(100.0, max(0.0, points + delta)), why
