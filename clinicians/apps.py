from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CliniciansConfig(AppConfig):
    name = "clinicians"
    verbose_name = _("Clinicians")

    def ready(self):
        from . import receivers  # noqa: F401 (connects the brand cache's receivers)
