from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FORMATS, Concern, Language


class DirectoryFilterForm(forms.Form):
    concern = forms.ModelChoiceField(
        label=_("Concern"),
        queryset=Concern.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any concern"),
    )
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any language"),
    )
    format = forms.ChoiceField(
        label=_("How you meet"),
        choices=[("", _("Any way"))] + FORMATS,
        required=False,
    )
