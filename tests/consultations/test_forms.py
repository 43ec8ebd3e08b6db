"""The client's forms speak like the intake: specific messages, never Django's defaults."""

import pytest
from django import forms

from consultations.fitcheck_forms import FitCheckForm
from consultations.forms import BookingForm

pytestmark = pytest.mark.django_db

DJANGO_DEFAULTS = {
    str(message)
    for field_class in (
        forms.CharField,
        forms.EmailField,
        forms.ChoiceField,
        forms.IntegerField,
        forms.BooleanField,
        forms.MultipleChoiceField,
    )
    for message in field_class().error_messages.values()
}

BLANK = {"first_name": "", "email": "", "phone": "", "format": "", "start": ""}
NONSENSE = {
    "first_name": "A" * 81,
    "email": "ana-at-example",
    "phone": "call me",
    "format": "carrier pigeon",
    "start": "2026-03-02T14:00:00Z",
}


@pytest.mark.parametrize(
    ("form_class", "data"),
    [
        (BookingForm, BLANK),
        (BookingForm, NONSENSE),
        (FitCheckForm, {}),
        (FitCheckForm, dict.fromkeys(("felt_heard", "agreed_goals"), "9")),
    ],
)
def test_it_never_shows_djangos_default_messages(form_class, data):
    form = form_class(data=data)
    assert not form.is_valid()
    shown = [str(e) for errors in form.errors.values() for e in errors]
    assert shown
    assert not set(shown) & DJANGO_DEFAULTS, shown
    assert "This field is required." not in shown


def test_it_says_what_to_fix_on_the_booking_form():
    form = BookingForm(data=BLANK)
    assert not form.is_valid()
    assert form.errors == {
        "first_name": ["Enter your first name, or the name you'd like us to use."],
        "email": ["Enter your email address, such as name@example.org."],
        "format": ["Choose whether you'd like to talk by video or by phone."],
        "start": ["Choose one of the open times."],
    }


def test_it_asks_for_digits_in_a_phone_number_as_the_intake_does():
    form = BookingForm(data={**NONSENSE, "first_name": "Ana", "format": "phone"})
    assert not form.is_valid()
    assert form.errors["phone"] == [
        "Enter a phone number in digits, such as 555 010 2000, or leave it empty."
    ]
    assert form.errors["email"] == ["Enter an email address in the form name@example.org."]


def test_it_offers_the_ways_to_talk_with_capitalised_translatable_labels():
    from django.utils.functional import Promise

    from consultations.models import Consultation

    form = BookingForm()
    assert form.fields["format"].choices == Consultation.Format.choices
    assert [str(label) for _, label in form.fields["format"].choices] == ["Phone", "Video"]
    assert all(isinstance(label, Promise) for label in Consultation.Format.labels)
    html = str(form["format"])
    assert "\n Phone</label>" in html and "\n Video</label>" in html
