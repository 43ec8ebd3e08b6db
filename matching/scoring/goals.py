"""Goals: agreement on what therapy is for. The client's ranked concerns, then their goal
tags, against the concerns the clinician treats and the few they focus on (docs/domain.md,
"Goals")."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ..vocab import GOAL_TAG_LABELS
from .profile import NEUTRAL, ClinicianProfile
from .words import Note, Wording

if TYPE_CHECKING:
    from .context import ClientContext

RANK_WEIGHTS = (3.0, 2.0, 1.0)  # the client's first concern counts most
TREATS_CREDIT = 0.7  # a concern treated; a declared focus concern earns 1.0
GOAL_TAG_WEIGHT = 1.0  # goal tags are broader than concerns, so lighter than the first concern

FOCUSES = Wording(True, lambda name: _("Focuses on %(concern)s") % {"concern": name})
TREATS = Wording(True, lambda name: _("Treats %(concern)s") % {"concern": name})
NOT_LISTED = Wording(
    False,
    lambda name: _("Does not list %(concern)s among the concerns they treat") % {"concern": name},
)
# A strength is named as a reason only when it adds this many points, from enough clients.
STRENGTH_REASON_POINTS = 3.0
STRENGTH_REASON_MIN_CLIENTS = 5
HAS_HELPED = Wording(
    True,
    lambda name: _("Has helped many people with %(concern)s here") % {"concern": name},
)
HELPS_WITH_GOAL = Wording(
    True,
    lambda tag: (
        _("Can help with your goal: %(goal)s")
        % {"goal": str(GOAL_TAG_LABELS.get(tag, tag)).lower()}
    ),
)


def strength_points(
    p: ClinicianProfile, concern: str, *, scale: float, cap: float
) -> tuple[float, int]:
    """Goals points for the clinician's estimated strength with this concern, within ±cap,
    and the clients behind it. (0, 0) when they have no estimate for it: at the mean."""
    for name, advantage, clients in p.strengths:
        if name == concern:
            delta = advantage * scale
            return (cap if delta > cap else -cap if delta < -cap else delta), clients
    return 0.0, 0


def goals(
    c: "ClientContext",
    p: ClinicianProfile,
    *,
    strength_scale: float = 0.0,
    strength_cap: float = 0.0,
    explain: bool = False,
) -> tuple[float, list[Note] | None]:
    """Goals points (0–100), and with `explain` why. With a `strength_scale` (the practice
    turned strengths on), the clinician's strength with the client's first concern moves the
    points by at most `strength_cap`, either way."""
    why: list[Note] | None = [] if explain else None
    if not c.goals_total:
        return NEUTRAL, why
    focus, treats = p.focus_concerns, p.concerns
    got = 0.0
    for name, weight in c.concerns:
        if name in focus:
            got += weight
            if why is not None:
                why.append((FOCUSES, name))
        elif name in treats:
            got += weight * TREATS_CREDIT
            if why is not None:
                why.append((TREATS, name))
        elif why is not None:
            why.append((NOT_LISTED, name))
    # A goal tag stands for a few concerns: the best credit among them.
    for tag, tag_concerns in c.tags:
        credit = 0.0
        for name in tag_concerns:
            if name in focus:
                credit = 1.0
                break
            if name in treats:
                credit = TREATS_CREDIT
        if credit:
            got += GOAL_TAG_WEIGHT * credit
            if why is not None:
                why.append((HELPS_WITH_GOAL, tag))
    points = 100.0 * got / c.goals_total
    if strength_scale and c.concerns and p.strengths:
        first = c.concerns[0][0]
        delta, clients = strength_points(p, first, scale=strength_scale, cap=strength_cap)
        points = min(100.0, max(0.0, points + delta))
        if (
            why is not None
            and delta >= STRENGTH_REASON_POINTS
            and clients >= STRENGTH_REASON_MIN_CLIENTS
        ):
            why.insert(0, (HAS_HELPED, first))
    return points, why
