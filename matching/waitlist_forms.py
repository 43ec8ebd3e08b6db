"""The form that puts a client on the waiting list from their results page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .vocab import TIMES

ANY = "any"
WEEKS = [
    (1, _("1 week")),
    (2, _("2 weeks")),
    (3, _("3 weeks")),
    (4, _("4 weeks")),
]


class WaitlistJoinForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Who would you like to wait for?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a therapist, or any of your top matches.")},
    )
    times = forms.MultipleChoiceField(
        label=_("Times that suit you"),
        help_text=_("We'll only offer you a time in one of these."),
        choices=TIMES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one time of the week that suits you.")},
    )
    weeks = forms.TypedChoiceField(
        label=_("How long to wait"),
        choices=WEEKS,
        coerce=int,
        initial=2,
        error_messages={"required": _("Choose how long to wait: 1 to 4 weeks.")},
    )

    def __init__(self, *args, clinicians: list[tuple[str, str]], **kwargs):
        """`clinicians`: (slug, label) of each fit with no open time the client may wait for."""
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [
            *clinicians,
            (ANY, _("Any of my top matches, whoever has a time first")),
        ]
        self.fields["choice"].error_messages["invalid_choice"] = _(
            "Choose one of the therapists listed, or any of your top matches."
        )
