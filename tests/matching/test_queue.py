"""The same-day call queue: recording what staff did, and the one reminder per flag."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from consultations import notifications as n
from consultations.messages import Kind
from consultations.models import Notification
from matching.models import Intake
from matching.queue import (
    same_day_call_reminders_send,
    same_day_call_update,
    same_day_calls_open_count,
    same_day_calls_overdue_count,
)
from matching.services import intake_submit, intake_update
from matching.tasks import remind_same_day_calls

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
# Tuesday 4 March 2025, 10:30 in New York: working hours 09:00-17:00 on weekdays.
TUESDAY_1030 = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)
FLAGGED = {**EXPECTED_ANSWERS, "safety": "several days"}


@pytest.fixture(autouse=True)
def _working_hours(settings, monkeypatch):
    settings.PRACTICE_TIME_ZONE = "America/New_York"
    settings.PRACTICE_WORKING_HOURS = [(day, "09:00", "17:00") for day in range(5)]
    settings.SAME_DAY_CALL_REMINDER_HOURS = 4
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)


def flag(now=TUESDAY_1030) -> Intake:
    intake, _raw = intake_submit(answers=FLAGGED, now=now)
    return intake


def reminders() -> list[Notification]:
    return list(Notification.objects.filter(kind=Kind.INTAKE_SAFETY_REMINDER))


def test_it_sets_the_reminder_time_in_working_hours_when_flagging():
    friday_1600 = dt.datetime(2025, 3, 7, 21, 0, tzinfo=dt.UTC)

    intake = flag(friday_1600)

    assert intake.follow_up == Intake.FollowUp.PENDING
    assert intake.follow_up_flagged_at == friday_1600
    # One hour on Friday, three on Monday from 09:00 (14:00 UTC).
    assert intake.follow_up_due_at == dt.datetime(2025, 3, 10, 16, 0, tzinfo=dt.UTC)


def test_it_records_who_changed_the_status_and_when(staff_user):
    intake = flag()
    later = TUESDAY_1030 + dt.timedelta(minutes=20)

    same_day_call_update(
        intake_id=intake.pk,
        status=Intake.FollowUp.CALLED,
        note="Spoke at 10:50; safe, booking Thursday.",
        user_id=staff_user.pk,
        now=later,
    )

    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.CALLED
    assert intake.follow_up_note == "Spoke at 10:50; safe, booking Thursday."
    assert (intake.follow_up_changed_by, intake.follow_up_changed_at) == (staff_user, later)


def test_it_refuses_a_status_outside_the_queue(staff_user):
    from matching.queue import UnknownStatus

    intake = flag()
    with pytest.raises(UnknownStatus):
        same_day_call_update(
            intake_id=intake.pk, status="", note="", user_id=staff_user.pk, now=TUESDAY_1030
        )
    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.PENDING


def test_it_sends_one_reminder_once_the_working_hours_have_passed(settings):
    intake = flag()
    just_before = intake.follow_up_due_at - dt.timedelta(seconds=1)

    assert same_day_call_reminders_send(now=just_before) == 0
    assert reminders() == []
    assert same_day_call_reminders_send(now=intake.follow_up_due_at) == 1
    # A second sweep, and a third an hour later, add nothing.
    assert same_day_call_reminders_send(now=intake.follow_up_due_at) == 0
    assert same_day_call_reminders_send(now=intake.follow_up_due_at + dt.timedelta(hours=1)) == 0

    (reminder,) = reminders()
    assert reminder.intake_reference == intake.pk
    n.notifications_sweep(now=timezone.now())
    n.notifications_sweep(now=timezone.now())
    (message,) = [m for m in mail.outbox if "Reminder" in m.subject]
    assert message.to == [settings.PRACTICE_INTAKE_EMAIL]
    assert f"/admin/matching/samedaycall/{intake.pk}/change/" in message.body
    assert "several days" not in message.body


@pytest.mark.parametrize(
    ("status", "reminded"),
    [
        (Intake.FollowUp.CALLED, False),
        (Intake.FollowUp.RESOLVED, False),
        # Couldn't reach them: still waiting, so the reminder goes.
        (Intake.FollowUp.NOT_REACHED, True),
    ],
)
def test_it_reminds_only_while_nobody_has_reached_the_person(staff_user, status, reminded):
    intake = flag()
    same_day_call_update(
        intake_id=intake.pk, status=status, note="", user_id=staff_user.pk, now=TUESDAY_1030
    )

    same_day_call_reminders_send(now=intake.follow_up_due_at)

    assert len(reminders()) == (1 if reminded else 0)


def test_it_reminds_again_for_a_new_flag_after_the_first_was_closed(staff_user):
    intake = flag()
    same_day_call_reminders_send(now=intake.follow_up_due_at)
    same_day_call_update(
        intake_id=intake.pk,
        status=Intake.FollowUp.RESOLVED,
        note="",
        user_id=staff_user.pk,
        now=intake.follow_up_due_at,
    )
    Notification.objects.update(status=Notification.Status.SENT)

    intake = intake_update(intake=intake, answers={**FLAGGED, "safety": "nearly every day"})
    assert intake.follow_up_reminded_at is None
    same_day_call_reminders_send(now=intake.follow_up_due_at)

    assert len(reminders()) == 2


def test_it_counts_open_and_overdue_calls(staff_user):
    overdue = flag(TUESDAY_1030 - dt.timedelta(days=1))
    flag()
    reached = flag()
    same_day_call_update(
        intake_id=reached.pk,
        status=Intake.FollowUp.CALLED,
        note="",
        user_id=staff_user.pk,
        now=TUESDAY_1030,
    )
    intake_submit(answers=EXPECTED_ANSWERS, now=TUESDAY_1030)

    assert same_day_calls_open_count() == 2
    assert same_day_calls_overdue_count(now=TUESDAY_1030) == 1
    assert overdue.follow_up_due_at <= TUESDAY_1030


def test_the_beat_runs_the_reminder_sweep_every_minute(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == remind_same_day_calls.name
    ]
    assert entries and entries[0]["schedule"] == 60.0
    flag(TUESDAY_1030 - dt.timedelta(days=2))

    assert remind_same_day_calls.apply().get() == 1
