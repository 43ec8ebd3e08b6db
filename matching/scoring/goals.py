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
HELPS_WITH_GOAL = Wording(
    True,
    lambda tag: (
        _("Can help with your goal: %(goal)s")
        % {"goal": str(GOAL_TAG_LABELS.get(tag, tag)).lower()}
    ),
)


def goals(
    c: "ClientContext", p: ClinicianProfile, *, explain: bool = False
) -> tuple[float, list[Note] | None]:
    """Goals points (0–100), and with `explain` why."""
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
    return 100.0 * got / c.goals_total, why
