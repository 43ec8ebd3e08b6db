from celery import shared_task
from django.utils import timezone

# Celery discovers `tasks` modules only; importing this registers the request-expiry task too.
from .booking_tasks import expire_requests  # noqa: F401
from .notifications import clinician_digests_record, notification_send, notifications_sweep
from .services import heartbeat_record
from .waitlist import waitlist_offer_pass, waitlist_sweep

SWEEP_HEARTBEAT = "notifications-sweep"


@shared_task(name="consultations.tasks.send_notification", acks_late=True, ignore_result=True)
def send_notification(notification_id: int) -> bool:
    """Send one notification now (queued after the booking's transaction commits)."""
    return notification_send(notification_id=notification_id)


@shared_task(name="consultations.tasks.sweep_notifications", acks_late=True, ignore_result=True)
def sweep_notifications() -> int:
    """Every minute (beat): send whatever is due, including anything a lost task left behind."""
    sent = notifications_sweep(now=timezone.now())
    # /healthz reads this to tell whether the beat is alive.
    heartbeat_record(name=SWEEP_HEARTBEAT, now=timezone.now())
    return sent


@shared_task(name="consultations.tasks.offer_waitlist_times", acks_late=True, ignore_result=True)
def offer_waitlist_times(clinician_id: int) -> int:
    """Offer a clinician's open times to the waiting list (queued when a time opens)."""
    return waitlist_offer_pass(clinician_id=clinician_id)


@shared_task(name="consultations.tasks.sweep_waitlist", acks_late=True, ignore_result=True)
def sweep_waitlist() -> dict:
    """Every minute (beat): lapsed holds move on to the next person (consultations/waitlist.py)."""
    return waitlist_sweep(now=timezone.now())


@shared_task(name="consultations.tasks.record_digests", acks_late=True, ignore_result=True)
def record_digests() -> int:
    """Every minute (beat): record the daily summaries whose time has come (once a day each)."""
    return clinician_digests_record(now=timezone.now())
