"""What a clinician may change in their own profile, and the rules a proposed profile must keep.

Plain data in and out, no ORM: a profile here is a dict of plain values by field name (text,
numbers, sorted lists of vocabulary term ids, the photo's stored name). Reading one from a
clinician is `clinician_profile_values` in selectors.py; proposing and approving are the
`profile_proposal_*` services. Licences, insurance plans and everything else about the
clinician stay with staff: they are not in this table.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .interchange import MAX_FOCUS_CONCERNS
from .models import INTRO_MAX_LENGTH, validate_video_url
from .style import STYLE_POLES

TEXT = "text"
TERMS = "terms"
STYLE = "style"
MONEY = "money"
URL = "url"
PHOTO = "photo"

PHOTO_NEW = "new"
PHOTO_REMOVE = "remove"

BIO_MAX_LENGTH = 5000
VIDEO_URL_MAX_LENGTH = 200
FEE_MAX = 2000


@dataclass(frozen=True)
class ProposalField:
    name: str  # the Clinician field it changes
    label: str
    kind: str
    max_length: int | None = None


def _style(dimension: str) -> ProposalField:
    return ProposalField(f"style_{dimension}", STYLE_POLES[dimension][0], STYLE)


PROPOSAL_FIELDS: tuple[ProposalField, ...] = (
    ProposalField("intro", _("One-line introduction"), TEXT, max_length=INTRO_MAX_LENGTH),
    ProposalField("bio", _("Bio"), TEXT, max_length=BIO_MAX_LENGTH),
    ProposalField("photo", _("Photo"), PHOTO),
    ProposalField("concerns", _("Concerns treated"), TERMS),
    ProposalField("focus_concerns", _("Focus concerns"), TERMS),
    ProposalField("approaches", _("Approaches"), TERMS),
    ProposalField("languages", _("Languages"), TERMS),
    ProposalField("communities", _("Communities (self-disclosed)"), TERMS),
    *(_style(dimension) for dimension in STYLE_POLES),
    ProposalField("self_pay_fee", _("Self-pay fee per session (USD)"), MONEY),
    ProposalField("sliding_scale_min", _("Sliding scale down to (USD)"), MONEY),
    ProposalField("video_url", _("Video room link"), URL, max_length=VIDEO_URL_MAX_LENGTH),
)
FIELDS_BY_NAME = {field.name: field for field in PROPOSAL_FIELDS}
# Every field but the photo, which travels as a file beside the values.
VALUE_FIELDS = tuple(field.name for field in PROPOSAL_FIELDS if field.kind != PHOTO)
TERM_FIELDS = tuple(field.name for field in PROPOSAL_FIELDS if field.kind == TERMS)


def normalised(name: str, value):
    """A value as stored and compared: text trimmed, term ids sorted and unique."""
    kind = FIELDS_BY_NAME[name].kind
    if kind == TERMS:
        return sorted({int(term_id) for term_id in value or ()})
    if kind in (TEXT, URL):
        return (value or "").strip()
    if kind in (MONEY, STYLE):
        return None if value in (None, "") else int(value)
    return value


def profile_changes(current: dict, proposed: dict) -> dict:
    """The proposed values that differ from the current profile (photo aside)."""
    changes = {}
    for name in VALUE_FIELDS:
        if name not in proposed:
            continue
        value = normalised(name, proposed[name])
        if value != normalised(name, current.get(name)):
            changes[name] = value
    return changes


def profile_problems(values: dict) -> dict[str, str]:
    """What is wrong with a whole profile (the current one with the proposed values applied),
    by field name; empty when it may be approved. Messages say what to change."""
    problems: dict[str, str] = {}
    for field in PROPOSAL_FIELDS:
        text = values.get(field.name)
        if field.max_length and isinstance(text, str) and len(text) > field.max_length:
            problems[field.name] = str(
                _("Keep this to %(limit)s characters; it has %(count)s.")
                % {"limit": field.max_length, "count": len(text)}
            )
    concerns = set(values.get("concerns") or ())
    focus = set(values.get("focus_concerns") or ())
    if not concerns:
        problems["concerns"] = str(_("Choose at least one concern you treat."))
    if len(focus) > MAX_FOCUS_CONCERNS:
        problems["focus_concerns"] = str(
            _("Choose at most %(limit)s focus concerns.") % {"limit": MAX_FOCUS_CONCERNS}
        )
    elif focus - concerns:
        problems["focus_concerns"] = str(
            _("A focus concern must also be a concern you treat: tick it above too, or untick it.")
        )
    if not values.get("languages"):
        problems["languages"] = str(_("Choose at least one language you work in."))
    for dimension in STYLE_POLES:
        value = values.get(f"style_{dimension}")
        if not isinstance(value, int) or not 1 <= value <= 5:
            problems[f"style_{dimension}"] = str(_("Choose a value from 1 to 5."))
    fee, floor = values.get("self_pay_fee"), values.get("sliding_scale_min")
    for name, amount in (("self_pay_fee", fee), ("sliding_scale_min", floor)):
        if amount is not None and not 0 <= amount <= FEE_MAX:
            problems[name] = str(
                _("Give a whole number of dollars from 0 to %(max)s.") % {"max": FEE_MAX}
            )
    if "sliding_scale_min" not in problems and floor is not None:
        if fee is None:
            problems["sliding_scale_min"] = str(
                _("A sliding scale needs a self-pay fee: give the fee, or leave this empty.")
            )
        elif floor > fee:
            problems["sliding_scale_min"] = str(
                _("The sliding scale can't start above the self-pay fee.")
            )
    if "video_url" not in problems:
        try:
            validate_video_url(values.get("video_url") or "")
        except ValidationError as error:
            problems["video_url"] = " ".join(error.messages)
    return problems
