import datetime as dt

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from clinicians.models import AvailabilityException, Clinician, ConsultationHours

from .models import Consultation


def parse_start(value: str | None) -> dt.datetime | None:
    """An aware start time from an ISO 8601 string (a slot button's value), or None."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


class BookingForm(forms.Form):
    first_name = forms.CharField(label=_("Your first name"), max_length=80)
    email = forms.EmailField(
        label=_("Email"), help_text=_("We send the confirmation and your link to manage it here.")
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("Needed for a phone consultation."),
    )
    format = forms.ChoiceField(
        label=_("How would you like to talk?"),
        choices=Consultation.Format.choices,
        widget=forms.RadioSelect,
    )
    start = forms.CharField(widget=forms.HiddenInput)

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and sum(ch.isdigit() for ch in phone) < 7:
            raise forms.ValidationError(_("Enter a phone number with at least 7 digits."))
        return phone

    def clean_start(self):
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(_("Choose one of the open times."))
        return start

    def clean(self):
        data = super().clean()
        if data.get("format") == Consultation.Format.PHONE and not data.get("phone"):
            self.add_error("phone", _("Give a phone number for a phone consultation."))
        return data


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the client (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, a suggestion to book another time or another clinician."),
    )


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class HoursForm(forms.ModelForm):
    class Meta:
        model = ConsultationHours
        fields = ("weekday", "start", "end")
        widgets = {"start": TimeInput(), "end": TimeInput()}


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = AvailabilityException
        fields = ("date", "kind", "start", "end", "note")
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start": TimeInput(),
            "end": TimeInput(),
        }


# A week has room for far fewer windows than this; the bound keeps a forged form count from
# making the server build thousands of forms.
MAX_ROWS = 60

HoursFormSet = inlineformset_factory(
    Clinician,
    ConsultationHours,
    form=HoursForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)
ExceptionFormSet = inlineformset_factory(
    Clinician,
    AvailabilityException,
    form=ExceptionForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)
