from celery import shared_task
from django.utils import timezone

from .queue import same_day_call_reminders_send
from .services import answers_access_purge, intake_purge, sessions_clear_expired


@shared_task
def purge_intakes() -> int:
    now = timezone.now()
    purged = intake_purge(now=now)
    # After the intakes, so the log of one purged today goes with it.
    answers_access_purge(now=now)
    return purged


@shared_task
def clear_expired_sessions() -> None:
    sessions_clear_expired()


@shared_task
def remind_same_day_calls() -> int:
    return same_day_call_reminders_send(now=timezone.now())


@shared_task
def recompute_strengths() -> int:
    from .strengths import strengths_recompute

    return strengths_recompute(now=timezone.now())
