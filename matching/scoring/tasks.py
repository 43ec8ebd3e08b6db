"""Tasks: agreement on how to work. The distance between the client's four style sliders and
the clinician's self-rated style, then the approaches the client wants or would rather avoid
(docs/domain.md, "Tasks")."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .profile import NEUTRAL, ClinicianProfile
from .words import Note, Wording

if TYPE_CHECKING:
    from .context import ClientContext

STYLE_SHARE = 0.7  # of the tasks score; the rest is wanted and avoided approaches
STYLE_NO_PREFERENCE = 3  # the middle of a slider: "doesn't mind"


# [dimension][the client asked for the upper pole]: the clinician is near what they asked.
AS_ASKED = (
    (
        Wording(True, lambda _v: _("Lets you lead, as you asked")),
        Wording(True, lambda _v: _("Takes the lead in sessions, as you asked")),
    ),
    (
        Wording(True, lambda _v: _("Works with feelings and experience, as you asked")),
        Wording(True, lambda _v: _("Works in a practical, skills-focused way, as you asked")),
    ),
    (
        Wording(True, lambda _v: _("Explores how the past shapes you, as you asked")),
        Wording(True, lambda _v: _("Works on the present, as you asked")),
    ),
    (
        Wording(True, lambda _v: _("Offers gentle support, as you asked")),
        Wording(True, lambda _v: _("Challenges you directly, as you asked")),
    ),
)
# [dimension][the clinician is above what the client asked]: three or more steps away.
FAR_FROM = (
    (
        Wording(False, lambda _v: _("Tends to let you lead more than you asked")),
        Wording(False, lambda _v: _("Tends to lead more than you asked")),
    ),
    (
        Wording(False, lambda _v: _("Focuses more on feelings than on practical steps")),
        Wording(False, lambda _v: _("Focuses more on practical steps than on feelings")),
    ),
    (
        Wording(False, lambda _v: _("Spends more time on the past than you asked")),
        Wording(False, lambda _v: _("Spends more time on the present than you asked")),
    ),
    (
        Wording(False, lambda _v: _("Gentler than you asked")),
        Wording(False, lambda _v: _("More challenging than you asked")),
    ),
)
USES = Wording(True, lambda name: _("Uses %(name)s, as you asked") % {"name": name})
DOES_NOT_USE = Wording(False, lambda name: _("Does not use %(name)s") % {"name": name})
USES_AVOIDED = Wording(
    False, lambda name: _("Uses %(name)s, which you'd rather avoid") % {"name": name}
)


def tasks(
    c: "ClientContext", p: ClinicianProfile, *, explain: bool = False
) -> tuple[float, list[Note] | None]:
    """Tasks points (0–100), and with `explain` why. Only the sliders the client moved off the
    middle count."""
    why: list[Note] | None = [] if explain else None
    style = approach = None
    if c.style is not None:
        distance = 0
        have_style = p.style
        for i, want in c.style:
            have = have_style[i]
            gap = want - have if want > have else have - want
            distance += gap
            if why is not None:
                if gap <= 1:
                    why.append((AS_ASKED[i][want > STYLE_NO_PREFERENCE], None))
                elif gap >= 3:
                    why.append((FAR_FROM[i][have > want], None))
        style = 100.0 - distance * 100.0 / (4.0 * len(c.style))
    wanted, avoided = c.wanted, c.avoided
    if wanted or avoided:
        uses = p.approaches
        parts = []
        if wanted:
            got = 0
            for name in wanted:
                if name in uses:
                    got += 1
                    if why is not None:
                        why.append((USES, name))
                elif why is not None:
                    why.append((DOES_NOT_USE, name))
            parts.append(got / len(wanted))
        if avoided:
            got = 0
            for name in avoided:
                if name in uses:
                    got += 1
                    if why is not None:
                        why.append((USES_AVOIDED, name))
            parts.append(1.0 - got / len(avoided))
        approach = 100.0 * sum(parts) / len(parts)
    if style is None:
        return (NEUTRAL if approach is None else approach), why
    if approach is None:
        return style, why
    return STYLE_SHARE * style + (1.0 - STYLE_SHARE) * approach, why
