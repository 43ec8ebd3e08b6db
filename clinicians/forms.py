from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import (
    AGE_BANDS,
    FORMATS,
    INTRO_MAX_LENGTH,
    Clinician,
    Concern,
    InsurancePlan,
    Language,
)
from .photos import photo_open
from .proposals import (
    BIO_MAX_LENGTH,
    FEE_MAX,
    TERM_FIELDS,
    VALUE_FIELDS,
    VIDEO_URL_MAX_LENGTH,
    normalised,
    profile_problems,
)
from .selectors import SELF_PAY
from .states import US_STATES
from .style import STYLE_POLES


class DirectoryFilterForm(forms.Form):
    """The public directory's filters, read from the query string: every field is optional."""

    state = forms.ChoiceField(
        label=_("State you live in"),
        choices=[("", _("Any state"))] + list(US_STATES),
        required=False,
    )
    payment = forms.ChoiceField(label=_("How you pay"), required=False)
    format = forms.ChoiceField(
        label=_("How you meet"),
        choices=[("", _("Any way"))] + FORMATS,
        required=False,
    )
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any language"),
    )
    concern = forms.ModelChoiceField(
        label=_("Concern"),
        queryset=Concern.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any concern"),
    )
    age = forms.ChoiceField(
        label=_("Who the sessions are for"),
        choices=[("", _("Anyone"))] + AGE_BANDS,
        required=False,
    )
    accepting = forms.BooleanField(label=_("Only clinicians taking new clients"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = [(str(plan.pk), plan.name) for plan in InsurancePlan.objects.filter(is_active=True)]
        self.fields["payment"].choices = [
            ("", _("Any way")),
            (SELF_PAY, _("Self-pay")),
            (_("Insurance"), plans),
        ]

    def filters(self) -> dict:
        """The valid filters only: a bad value in one field never drops the others."""
        self.is_valid()
        filters = {}
        for name in self.fields:
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if value:
                filters[name] = value
        return filters


# --- The clinician's own profile, proposed for staff's approval (consultations' portal) -----


def _terms_field(label, help_text="", required="") -> forms.ModelMultipleChoiceField:
    """`required`: the message when none is ticked (empty: none may be)."""
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Concern.objects.none(),  # set per form: offered terms and those already chosen
        widget=forms.CheckboxSelectMultiple,
        required=bool(required),
        help_text=help_text,
        error_messages={
            "required": required,
            "invalid_choice": _("Choose from the list; %(value)s is not one of its choices."),
            "invalid_pk_value": _("Choose from the list."),
        },
    )


def _style_field(dimension: str) -> forms.TypedChoiceField:
    question, low, high = STYLE_POLES[dimension]
    choices = [
        (1, format_lazy("1 · “{}”", low)),
        (2, "2"),
        (3, "3"),
        (4, "4"),
        (5, format_lazy("5 · “{}”", high)),
    ]
    return forms.TypedChoiceField(
        label=question,
        choices=choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
        error_messages={
            "required": _("Choose a value from 1 to 5."),
            "invalid_choice": _("Choose a value from 1 to 5."),
        },
    )


# A rule about one field that reads another: judged only once that other is valid too.
_DEPENDS_ON = {"focus_concerns": ("concerns",), "sliding_scale_min": ("self_pay_fee",)}


class ProfileProposalForm(forms.Form):
    """What a clinician may change in their own profile (clinicians/proposals.py): the values
    go to `profile_proposal_submit`, and wait there for staff."""

    intro = forms.CharField(
        label=_("One-line introduction"),
        max_length=INTRO_MAX_LENGTH,
        required=False,
        help_text=_("One sentence in your own voice, shown on your card in clients' results."),
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The main text of your profile page."),
    )
    photo = forms.FileField(
        label=_("A new photo"),
        required=False,
        help_text=_(
            "A JPEG, PNG or WebP photo of at least 200 pixels on its shorter side, at most "
            "10 MB. It is cropped to a square and shown as a circle, so keep your face near "
            "the middle."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    concerns = _terms_field(
        _("Concerns you treat"), required=_("Choose at least one concern you treat.")
    )
    focus_concerns = _terms_field(
        _("Your focus concerns"), _("Up to 3 of the concerns you treat, shown first.")
    )
    approaches = _terms_field(_("Approaches you use"))
    languages = _terms_field(
        _("Languages you work in"), required=_("Choose at least one language you work in.")
    )
    communities = _terms_field(
        _("Communities you choose to share (optional)"),
        _(
            "Only if you want clients to know. A client who asks for a therapist from their "
            "community is matched on this."
        ),
    )
    style_lead = _style_field("lead")
    style_focus = _style_field("focus")
    style_time = _style_field("time")
    style_challenge = _style_field("challenge")
    self_pay_fee = forms.IntegerField(
        label=_("Self-pay fee per session (USD)"),
        required=False,
        min_value=0,
        max_value=FEE_MAX,
        help_text=_("Leave empty if you see clients only through insurance."),
    )
    sliding_scale_min = forms.IntegerField(
        label=_("Sliding scale down to (USD)"),
        required=False,
        min_value=0,
        max_value=FEE_MAX,
        help_text=_("Leave empty if you don't offer a sliding scale."),
    )
    video_url = forms.URLField(
        label=_("Your video room link"),
        required=False,
        assume_scheme="https",
        max_length=VIDEO_URL_MAX_LENGTH,
        help_text=_(
            "Its full address, starting with https://. Clients get it only once you have "
            "confirmed their consultation."
        ),
    )

    # Each list's vocabulary, as the profile's own field says.
    TERM_MODELS = {name: Clinician._meta.get_field(name).related_model for name in TERM_FIELDS}

    def __init__(self, *args, chosen: dict | None = None, has_photo: bool = False, **kwargs):
        """`chosen`: term ids already on the profile or proposed, listed even if retired."""
        super().__init__(*args, **kwargs)
        chosen = chosen or {}
        for name, model in self.TERM_MODELS.items():
            keep = chosen.get(name) or []
            self.fields[name].queryset = model.objects.filter(
                Q(is_active=True) | Q(pk__in=keep)
            ).order_by("sort_order", "name")
        if not has_photo:
            del self.fields["remove_photo"]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        # The same checks, and words, as a photo staff upload (clinicians/photos.py).
        photo_open(photo)
        photo.seek(0)
        return photo

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("photo") and cleaned.get("remove_photo"):
            self.add_error(
                "remove_photo",
                _("Either upload a new photo or remove your photo, not both."),
            )
        # The profile's own rules, for every field whose value (and what it depends on) is
        # valid by itself, so each problem is named once and at once.
        for name, message in profile_problems(self.values()).items():
            if not any(other in self.errors for other in (name, *_DEPENDS_ON.get(name, ()))):
                self.add_error(name, message)
        return cleaned

    def values(self) -> dict:
        """The cleaned values as proposals.py reads them (term ids for lists)."""
        data = self.cleaned_data
        values = {}
        for name in VALUE_FIELDS:
            value = data.get(name)
            if name in TERM_FIELDS:
                value = sorted(term.pk for term in value or ())
            values[name] = normalised(name, value)
        return values
