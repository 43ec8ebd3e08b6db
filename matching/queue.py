"""The same-day call queue: intakes whose safety answer asks for a call today.

Practice staff work it without seeing any answer: who to call and how, when the flag was raised,
and what was done. A flag nobody marked reached within SAME_DAY_CALL_REMINDER_HOURS working
hours sends one reminder to the practice's intake address through the outbox."""

import datetime as dt

from django.db import transaction

from consultations import notifications

from .models import Intake, SameDayCall

Status = Intake.FollowUp


class UnknownStatus(ValueError):
    pass


@transaction.atomic
def same_day_call_update(
    *, intake_id, status: str, note: str, user_id: int | None, now: dt.datetime
) -> Intake:
    """Record what staff did: the status and note, and who changed them when."""
    if status not in (Status.PENDING, Status.CALLED, Status.NOT_REACHED, Status.RESOLVED):
        raise UnknownStatus(status)
    intake = SameDayCall.objects.select_for_update().get(pk=intake_id)
    if intake.follow_up == status and intake.follow_up_note == note:
        return intake
    intake.follow_up = status
    intake.follow_up_note = note
    intake.follow_up_changed_at = now
    intake.follow_up_changed_by_id = user_id
    intake.save(
        update_fields=[
            "follow_up",
            "follow_up_note",
            "follow_up_changed_at",
            "follow_up_changed_by",
            "updated_at",
        ]
    )
    return intake


def same_day_call_reminders_send(*, now: dt.datetime) -> int:
    """Record one reminder for each open flag past its time. Each is claimed with a conditional
    UPDATE in the transaction that records its email, so two sweeps at once can't both send it;
    the outbox then sends it exactly once."""
    due = SameDayCall.objects.filter(
        follow_up__in=Intake.FOLLOW_UP_OPEN,
        follow_up_due_at__lte=now,
        follow_up_reminded_at__isnull=True,
    ).values_list("pk", flat=True)
    sent = 0
    for intake_id in list(due[:200]):
        with transaction.atomic():
            claimed = Intake.objects.filter(
                pk=intake_id,
                follow_up__in=Intake.FOLLOW_UP_OPEN,
                follow_up_reminded_at__isnull=True,
            ).update(follow_up_reminded_at=now)
            if claimed == 1:
                notifications.intake_safety_reminder_notify(intake_reference=intake_id)
                sent += 1
    return sent


def same_day_calls_open_count() -> int:
    return SameDayCall.objects.filter(follow_up__in=Intake.FOLLOW_UP_OPEN).count()


def same_day_calls_overdue_count(*, now: dt.datetime) -> int:
    return SameDayCall.objects.filter(
        follow_up__in=Intake.FOLLOW_UP_OPEN, follow_up_due_at__lte=now
    ).count()
