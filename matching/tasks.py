from celery import shared_task
from django.utils import timezone

from .services import intake_purge, sessions_clear_expired


@shared_task
def purge_intakes() -> int:
    return intake_purge(now=timezone.now())


@shared_task
def clear_expired_sessions() -> None:
    sessions_clear_expired()
