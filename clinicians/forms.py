from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AGE_BANDS, FORMATS, Concern, InsurancePlan, Language
from .selectors import SELF_PAY
from .states import US_STATES


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
