"""The four style scales in the plain words a client reads in the intake. A clinician places
themselves on the same scales in the portal, with the same words, so both ends of a match read
a scale alike (docs/interchange.md describes the scales)."""

from django.utils.translation import gettext_lazy as _

STYLE_POLES = {
    # key: (question, what 1 means, what 5 means)
    "lead": (
        _("Who leads the sessions?"),
        _("I lead, the therapist follows"),
        _("The therapist leads and guides"),
    ),
    "focus": (
        _("What should sessions focus on?"),
        _("Feelings and what I go through"),
        _("Practical steps and skills"),
    ),
    "time": (
        _("Past or present?"),
        _("Understanding my past"),
        _("Working on the present"),
    ),
    "challenge": (
        _("How should the therapist respond?"),
        _("Gentle support"),
        _("Direct challenge"),
    ),
}
