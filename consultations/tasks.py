from celery import shared_task
from django.utils import timezone

# Celery discovers `tasks` modules only; this registers the booking engineer's periodic task.
from .booking_tasks import expire_requests  # noqa: F401
from .notifications import notification_send, notifications_sweep


@shared_task(name="consultations.tasks.send_notification", acks_late=True, ignore_result=True)
def send_notification(notification_id: int) -> bool:
    """Send one notification now (queued after the booking's transaction commits)."""
    return notification_send(notification_id=notification_id)


@shared_task(name="consultations.tasks.sweep_notifications", acks_late=True, ignore_result=True)
def sweep_notifications() -> int:
    """Every minute (beat): send whatever is due, including anything a lost task left behind."""
    return notifications_sweep(now=timezone.now())
