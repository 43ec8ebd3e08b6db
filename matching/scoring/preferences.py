"""The therapist characteristics a client can ask for: a must-have is a hard filter
(`filters.py`), a nice-to-have adds to the bond (`bond.py`). Whether a clinician has one, and
how that reads, is said here once for both."""

from django.utils.translation import gettext as _

from .profile import ClinicianProfile
from .words import Wording

PREFERENCE_KEYS = ("gender", "language", "community", "lgbtq_affirming", "faith_informed")


def meets(key: str, value: str, p: ClinicianProfile) -> bool:
    """Whether the clinician has the characteristic the client asked for."""
    if key == "gender":
        return p.gender == value
    if key == "language":
        return value in p.languages
    if key == "community":
        return value in p.communities
    if key == "lgbtq_affirming":
        return p.lgbtq_affirming
    return p.faith_informed


MET = {
    "gender": Wording(True, lambda v: _("Gender: %(gender)s, as you asked") % {"gender": v}),
    "language": Wording(True, lambda v: _("Speaks %(language)s") % {"language": v}),
    "community": Wording(True, lambda v: _("Identifies as %(community)s") % {"community": v}),
    "lgbtq_affirming": Wording(True, lambda _v: _("LGBTQ+-affirming")),
    "faith_informed": Wording(True, lambda _v: _("Faith-informed")),
}
UNMET = {
    "gender": Wording(False, lambda v: _("Gender is not %(gender)s") % {"gender": v}),
    "language": Wording(False, lambda v: _("Does not speak %(language)s") % {"language": v}),
    "community": Wording(
        False, lambda v: _("Has not said they identify as %(community)s") % {"community": v}
    ),
    "lgbtq_affirming": Wording(False, lambda _v: _("Has not said they are LGBTQ+-affirming")),
    "faith_informed": Wording(False, lambda _v: _("Does not offer faith-informed therapy")),
}
