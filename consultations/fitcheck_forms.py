from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FitCheck

FIELDS = ("felt_heard", "agreed_goals", "approach_makes_sense", "wants_to_continue")


class FitCheckForm(forms.ModelForm):
    """The four items of docs/domain.md, "The fit check", each 1 (not at all) to 5 (completely)."""

    class Meta:
        model = FitCheck
        fields = FIELDS
        labels = {
            "felt_heard": _("I felt heard and understood."),
            "agreed_goals": _("We agreed on what I want to work on."),
            "approach_makes_sense": _("The way they would work with me makes sense to me."),
            "wants_to_continue": _("I would like to continue with this therapist."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # The model's scale, without the blank choice a select would add.
            field.widget = forms.RadioSelect(choices=FitCheck.SCALE)
            field.choices = FitCheck.SCALE
            field.error_messages["required"] = _("Choose a number from 1 to 5.")
            field.error_messages["invalid_choice"] = _("Choose a number from 1 to 5.")
        self.helper = FormHelper()
        # Crispy renders each item as a fieldset whose legend is the statement.
        self.helper.form_tag = False
