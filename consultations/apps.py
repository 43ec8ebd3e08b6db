from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        # Celery's autodiscovery imports only tasks.py; register the booking tasks too.
        from . import booking_tasks  # noqa: F401
