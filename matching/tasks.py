from celery import shared_task
from django.utils import timezone

from .services import intake_purge


@shared_task
def purge_intakes() -> int:
    return intake_purge(now=timezone.now())
