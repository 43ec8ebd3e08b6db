import datetime as dt
import re

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
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        # A time at the very ends of the calendar (year 1 or 9999 with an offset): outside
        # any booking window, so it stands as the earliest or latest instant there is.
        edge = dt.datetime.min if parsed.year == dt.MINYEAR else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


PHONE_CHARACTERS = re.compile(r"^[0-9+()\-.\s]+$")
PHONE_MESSAGE = _("Enter a phone number in digits, such as 555 010 2000, or leave it empty.")


def clean_phone_number(value: str) -> str:
    """A client's phone number as typed, or "": digits and the usual separators, 7 to 15
    digits. Raises ValidationError with the message the client sees."""
    phone = value.strip()
    digits = re.sub(r"\D", "", phone)
    if phone and (not PHONE_CHARACTERS.match(phone) or not 7 <= len(digits) <= 15):
        raise forms.ValidationError(PHONE_MESSAGE)
    return phone


class BookingForm(forms.Form):
    """The client's booking form: the same friendly, specific messages as the intake."""

    first_name = forms.CharField(
        label=_("Your first name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={
            "required": _("Enter your first name, or the name you'd like us to use."),
            "max_length": _("Keep your first name to 80 characters or fewer."),
        },
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send the confirmation and your link to manage it here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your email address, such as name@example.org."),
            "invalid": _("Enter an email address in the form name@example.org."),
            "max_length": _("Enter an email address in the form name@example.org."),
        },
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("Needed for a phone consultation."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": PHONE_MESSAGE},
    )
    format = forms.ChoiceField(
        label=_("How would you like to talk?"),
        choices=Consultation.Format.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether you'd like to talk by video or by phone."),
            "invalid_choice": _("Choose whether you'd like to talk by video or by phone."),
        },
    )
    start = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose one of the open times.")},
    )

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_phone(self):
        return clean_phone_number(self.cleaned_data["phone"])

    def clean_start(self):
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(_("Choose one of the open times."))
        return start

    def clean(self):
        data = super().clean()
        phone_ok = "phone" not in self.errors
        if data.get("format") == Consultation.Format.PHONE and phone_ok and not data.get("phone"):
            self.add_error(
                "phone",
                _("Give a phone number for a phone consultation, or choose video instead."),
            )
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
