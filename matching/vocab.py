"""The intake's fixed answer sets (docs/interchange.md). Names staff edit, such as concerns and
languages, live in clinicians."""

from django.utils.translation import gettext_lazy as _

FOR_WHOM = [
    ("myself", _("Me")),
    ("child", _("My child or teen")),
    ("couple", _("Us as a couple")),
    ("family", _("Our family")),
]
# The client's own age band: codes of clinicians.models.AGE_BANDS a person can be in (couples and
# families come from "for whom").
CLIENT_AGE_BANDS = [
    ("children", _("A child (5–12)")),
    ("teens", _("A teen (13–17)")),
    ("adults", _("An adult")),
    ("older adults", _("An older adult (65+)")),
]
IMPORTANCE = [
    ("none", _("Doesn't matter")),
    ("nice", _("Nice to have")),
    ("must", _("Must have")),
]
# How the client would like to meet: codes of clinicians.models.FORMATS, or either remote one.
CLIENT_FORMATS = [
    ("either", _("Either video or phone")),
    ("video", _("Video")),
    ("phone", _("Phone")),
    ("in person", _("In person at an office")),
]
TIMES = [
    ("weekday mornings", _("Weekday mornings (before 10)")),
    ("weekday daytime", _("Weekday daytime (10 to 5)")),
    ("weekday evenings", _("Weekday evenings (after 5)")),
    ("weekends", _("Weekends")),
]
# The one safety answer that asks for no same-day call.
SAFETY_NOT_AT_ALL = "not at all"
SAFETY = [
    (SAFETY_NOT_AT_ALL, _("Not at all")),
    ("several days", _("Several days")),
    ("more than half the days", _("More than half the days")),
    ("nearly every day", _("Nearly every day")),
]
PREFERENCE_KEYS = ("gender", "language", "community", "lgbtq_affirming", "faith_informed")
GENDERS = [("woman", _("A woman")), ("man", _("A man")), ("nonbinary", _("Nonbinary"))]

# Goal tags the client may pick, each with the concerns (vocabulary names) it points to, so the
# goals score can compare them with what clinicians treat.
GOAL_TAGS = {
    "feel calmer": ("anxiety", "stress and burnout"),
    "lift my mood": ("depression",),
    "heal from the past": ("trauma and PTSD",),
    "cope with a loss": ("grief and loss",),
    "improve my relationships": ("relationships", "couples", "family conflict"),
    "parent with more ease": ("parenting", "family conflict"),
    "handle a big change": ("life transitions", "work and career"),
    "feel better about myself": ("self-esteem", "eating and body image"),
    "sleep better": ("sleep",),
    "change a habit": ("substance use", "OCD", "anger"),
    "focus and get organised": ("ADHD", "work and career"),
    "understand my identity": ("LGBTQ+ identity", "racial and cultural identity"),
}
GOAL_TAG_LABELS = {
    "feel calmer": _("Feel calmer"),
    "lift my mood": _("Lift my mood"),
    "heal from the past": _("Heal from the past"),
    "cope with a loss": _("Cope with a loss"),
    "improve my relationships": _("Improve my relationships"),
    "parent with more ease": _("Parent with more ease"),
    "handle a big change": _("Handle a big change"),
    "feel better about myself": _("Feel better about myself"),
    "sleep better": _("Sleep better"),
    "change a habit": _("Change a habit"),
    "focus and get organised": _("Focus and get organised"),
    "understand my identity": _("Understand my identity"),
}
