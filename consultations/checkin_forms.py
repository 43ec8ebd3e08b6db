import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from . import checkin_items as items
from .checkins import SAFETY_ANSWERS

NOTE_MAX = 2000


def _scale(choices) -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in choices]


class CheckInForm(forms.Form):
    """The check-in of docs/domain.md: the PHQ-2 and GAD-2 items (optional, 0–3), the four
    alliance items (0–4) and a note the client may let their therapist read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, words in items.SYMPTOM_ITEMS:
            self.fields[key] = forms.TypedChoiceField(
                label=words,
                choices=_scale(items.SYMPTOM_SCALE),
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the four answers.")},
            )
        for key, words in items.ALLIANCE_ITEMS:
            self.fields[key] = forms.TypedChoiceField(
                label=words,
                choices=_scale(items.ALLIANCE_SCALE),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how true this is, from “Not at all” to “Completely”."),
                    "invalid_choice": _("Choose one of the five answers."),
                },
            )
        self.fields["note"] = forms.CharField(
            label=_("Anything you'd like your therapist to know?"),
            help_text=_("Optional. Up to 2,000 characters."),
            required=False,
            max_length=NOTE_MAX,
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={
                "max_length": _("Please keep this to 2,000 characters (you wrote %(show_value)s).")
            },
        )
        self.fields["note_shared"] = forms.BooleanField(
            label=_("My therapist may read what I wrote above."),
            help_text=_("If you leave this unticked, only you and our practice's records have it."),
            required=False,
        )

    def symptom_fields(self):
        return [self[key] for key, _words in items.SYMPTOM_ITEMS]

    def alliance_fields(self):
        return [self[key] for key, _words in items.ALLIANCE_ITEMS]

    @property
    def symptoms(self) -> list[int | None]:
        return [self.cleaned_data.get(key) for key, _words in items.SYMPTOM_ITEMS]

    @property
    def alliance(self) -> list[int]:
        return [self.cleaned_data[key] for key, _words in items.ALLIANCE_ITEMS]


class CheckInSafetyForm(forms.Form):
    safety = forms.ChoiceField(
        label=_(
            "Over the last 2 weeks, how often have you been bothered by thoughts that you "
            "would be better off dead, or of hurting yourself?"
        ),
        choices=[
            (SAFETY_ANSWERS[0], _("Not at all")),
            (SAFETY_ANSWERS[1], _("Several days")),
            (SAFETY_ANSWERS[2], _("More than half the days")),
            (SAFETY_ANSWERS[3], _("Nearly every day")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the answer closest to how you have felt, even “Not at all”."),
            "invalid_choice": _("Choose one of the four answers."),
        },
    )


class EngagementForm(forms.Form):
    """The clinician's answer after a completed consultation."""

    started = forms.TypedChoiceField(
        label=_("Are you starting to work together?"),
        choices=[("yes", _("Yes, we're starting to work together")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        error_messages={"required": _("Choose yes or no.")},
    )
    first_session_on = forms.DateField(
        label=_("First session"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the first session's date, such as 2025-03-14.")},
    )

    def __init__(self, *args, consultation_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation_date = consultation_date

    def clean(self):
        data = super().clean()
        missing = data.get("started") and not data.get("first_session_on")
        if missing and "first_session_on" not in self.errors:
            self.add_error(
                "first_session_on", _("Give the date of the first session (it may be ahead).")
            )
        first = data.get("first_session_on")
        if data.get("started") and first:
            if first < self.consultation_date:
                self.add_error(
                    "first_session_on",
                    _("The first session can't be before the consultation (%(date)s).")
                    % {"date": self.consultation_date.isoformat()},
                )
            elif first > self.consultation_date + dt.timedelta(days=180):
                self.add_error(
                    "first_session_on",
                    _("Give a date within six months of the consultation, or record it later."),
                )
        return data
