import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreferences


class NotificationPreferencesForm(forms.ModelForm):
    """Which emails a clinician gets; the summary's time is in their own zone."""

    class Meta:
        model = NotificationPreferences
        fields = ("new_requests", "changes", "cancellations", "digest", "digest_time")
        labels = {
            "new_requests": _(
                "A client asks for a consultation (or books one that needs no confirmation)"
            ),
            "changes": _("A client moves a consultation to another time"),
            "cancellations": _("A consultation is cancelled"),
            "digest": _("Each day, a summary of tomorrow's consultations"),
            "digest_time": _("Send the summary at"),
        }
        widgets = {"digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest_time"].input_formats = ["%H:%M", "%H:%M:%S"]
        self.fields["digest_time"].error_messages = {
            "required": _("Choose the time of day for the summary, for example 18:00."),
            "invalid": _("Enter the time as hours and minutes, for example 18:00."),
        }

    def clean_digest_time(self) -> dt.time:
        return self.cleaned_data["digest_time"].replace(second=0, microsecond=0)
