from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from consultations.selectors import register_intake_counter

        from . import signals  # noqa: F401  (connects the receivers)
        from .selectors import intakes_submitted_between

        # The staff dashboard lives in consultations, which doesn't know about intakes.
        register_intake_counter(intakes_submitted_between)
