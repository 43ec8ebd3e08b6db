from celery import shared_task

from .services import consultations_expire_stale


@shared_task(name="consultations.expire_requests")
def expire_requests() -> int:
    """Expire consultation requests nobody confirmed in time (beat, every 5 minutes)."""
    return consultations_expire_stale()
