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
        digest_time = self.fields["digest_time"]
        digest_time.input_formats = ["%H:%M", "%H:%M:%S"]
        # Needed only with the summary on (clean): someone turning it off needn't pick a time.
        digest_time.required = False
        digest_time.error_messages = {
            "required": _("Choose the time of day for the summary, for example 18:00."),
            "invalid": _("Enter the time as hours and minutes, for example 18:00."),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("digest_time") is None and "digest_time" not in self.errors:
            if cleaned.get("digest"):
                self.add_error(
                    "digest_time",
                    forms.ValidationError(
                        self.fields["digest_time"].error_messages["required"], code="required"
                    ),
                )
            else:
                # The summary is off: the time it had stays for when it is turned on again.
                cleaned["digest_time"] = self.instance.digest_time
        return cleaned
