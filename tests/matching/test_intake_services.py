import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import Consultation
from consultations.signals import client_data_erased
from matching.models import Intake
from matching.services import (
    IntakeAlreadySubmitted,
    intake_delete,
    intake_purge,
    intake_submit,
    intake_update,
)
from matching.tasks import purge_intakes
from matching.tokens import intake_from_token
from tests.clinicians.factories import ClinicianFactory

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)


def book(intake):
    return Consultation.objects.create(
        clinician=ClinicianFactory(),
        starts_at=NOW + dt.timedelta(days=2),
        ends_at=NOW + dt.timedelta(days=2, minutes=15),
        format="video",
        client_first_name="Ana",
        client_email="ana@example.org",
        client_timezone="America/New_York",
        client_reference=intake.id,
    )


def test_it_saves_an_intake_with_a_hashed_expiring_token(settings):
    intake, raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    assert len(raw) >= 43  # 256 random bits, url-safe
    assert raw not in intake.token_hash
    assert intake.expires_at == NOW + dt.timedelta(days=settings.INTAKE_TOKEN_DAYS)
    assert intake.safety_answer == "not at all" and intake.follow_up == ""
    assert intake_from_token(raw, now=NOW) == intake
    assert intake_from_token(raw, now=intake.expires_at) is None


def test_it_refuses_a_second_intake_for_the_same_draft():
    intake, raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    with pytest.raises(IntakeAlreadySubmitted):
        intake_submit(answers=EXPECTED_ANSWERS, now=NOW, reference=intake.id, raw_token=raw)
    assert Intake.objects.count() == 1


def test_it_keeps_a_follow_up_already_under_way():
    answers = {**EXPECTED_ANSWERS, "safety": "several days"}
    with mock.patch("consultations.notifications.intake_safety_notify") as notify:
        intake, _raw = intake_submit(answers=answers, now=NOW)
        Intake.objects.filter(pk=intake.pk).update(follow_up=Intake.FollowUp.CALLED)
        intake_update(intake=intake, answers={**answers, "goals": "Feel calmer"})

    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.CALLED
    assert intake.answers["goals"] == "Feel calmer"
    notify.assert_called_once_with(intake_reference=intake.id)


def test_it_deletes_an_intake():
    intake, raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)
    intake_delete(intake=intake)
    assert not Intake.objects.exists()


def test_it_erases_the_clients_booking_when_they_delete_their_intake():
    from consultations.models import Consultation, Notification
    from tests.consultations.factories import ConsultationFactory

    intake, _raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)
    booked = ConsultationFactory(client_reference=intake.pk, client_phone="555 010 3000")
    reminder = Notification.objects.create(
        consultation=booked, kind="reminder_60", due_at=booked.starts_at
    )
    someone_else = ConsultationFactory()

    intake_delete(intake=intake)

    assert not Intake.objects.exists()
    booked.refresh_from_db()
    assert booked.status == Consultation.Status.CANCELLED
    assert (booked.client_email, booked.client_phone, booked.client_summary) == ("", "", [])
    assert booked.client_first_name != "Ana"
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.CANCELLED
    someone_else.refresh_from_db()
    assert someone_else.client_email and someone_else.status == Consultation.Status.REQUESTED


def test_it_purges_only_old_unbooked_intakes(settings):
    settings.INTAKE_RETENTION_DAYS = 30
    old, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=31))
    old_booked, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=31))
    recent, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=29))
    book(old_booked)

    with CaptureQueriesContext(connection) as queries:
        deleted = intake_purge(now=NOW)

    assert deleted == 1
    assert set(Intake.objects.values_list("pk", flat=True)) == {old_booked.pk, recent.pk}
    # One select-for-delete and one delete, and two for places on the waiting list: never a
    # query per row.
    assert len(queries) <= 5


def test_it_purges_from_the_periodic_task():
    intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    with time_machine.travel(NOW + dt.timedelta(days=30, minutes=1), tick=False):
        assert timezone.now() > NOW
        assert purge_intakes.apply().get() == 1
    assert not Intake.objects.exists()


def test_it_keeps_intakes_within_the_retention_period():
    intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    with time_machine.travel(NOW + dt.timedelta(days=29), tick=False):
        assert purge_intakes.apply().get() == 0
    assert Intake.objects.count() == 1


def test_it_schedules_the_purge_daily(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == purge_intakes.name]
    assert entries and entries[0]["schedule"] == 24 * 60 * 60


def test_it_erases_the_intake_when_the_clients_data_is_erased():
    intake, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)
    other, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    client_data_erased.send(sender=Consultation, client_reference=intake.id)

    assert list(Intake.objects.all()) == [other]


@pytest.mark.parametrize(
    "closed", [Intake.FollowUp.CALLED, Intake.FollowUp.NOT_REACHED, Intake.FollowUp.RESOLVED]
)
def test_it_flags_a_closed_follow_up_again_when_the_answer_changes_to_a_worrying_one(closed):
    answers = {**EXPECTED_ANSWERS, "safety": "several days"}
    with mock.patch("consultations.notifications.intake_safety_notify") as notify:
        intake, _raw = intake_submit(answers=answers, now=NOW)
        Intake.objects.filter(pk=intake.pk).update(follow_up=closed)
        notify.reset_mock()
        intake_update(intake=intake, answers={**answers, "safety": "nearly every day"})

    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.PENDING
    assert intake.safety_answer == "nearly every day"
    notify.assert_called_once_with(intake_reference=intake.id)


def test_it_does_not_flag_again_when_the_answer_changes_to_not_at_all():
    answers = {**EXPECTED_ANSWERS, "safety": "several days"}
    with mock.patch("consultations.notifications.intake_safety_notify") as notify:
        intake, _raw = intake_submit(answers=answers, now=NOW)
        Intake.objects.filter(pk=intake.pk).update(follow_up=Intake.FollowUp.RESOLVED)
        notify.reset_mock()
        intake_update(intake=intake, answers={**answers, "safety": "not at all"})

    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.RESOLVED
    notify.assert_not_called()


def test_it_does_not_notify_twice_while_a_follow_up_is_pending():
    answers = {**EXPECTED_ANSWERS, "safety": "several days"}
    with mock.patch("consultations.notifications.intake_safety_notify") as notify:
        intake, _raw = intake_submit(answers=answers, now=NOW)
        intake_update(intake=intake, answers={**answers, "safety": "nearly every day"})

    intake.refresh_from_db()
    assert intake.follow_up == Intake.FollowUp.PENDING
    notify.assert_called_once_with(intake_reference=intake.id)


def _consultation(intake, status, **kw):
    from tests.consultations.factories import ConsultationFactory

    return ConsultationFactory(
        client_reference=intake.pk, status=status, client_summary=[["Concerns", "anxiety"]], **kw
    )


def test_it_purges_intakes_whose_consultations_never_went_ahead(settings):
    settings.INTAKE_RETENTION_DAYS = 30
    old = NOW - dt.timedelta(days=31)
    declined_only, _ = intake_submit(answers=EXPECTED_ANSWERS, now=old)
    kept = {}
    for status in ("requested", "confirmed", "completed", "no_show"):
        kept[status], _ = intake_submit(answers=EXPECTED_ANSWERS, now=old)
    mixed, _ = intake_submit(answers=EXPECTED_ANSWERS, now=old)
    gone = [
        _consultation(declined_only, status)
        for status in (
            Consultation.Status.DECLINED,
            Consultation.Status.EXPIRED,
            Consultation.Status.CANCELLED,
        )
    ]
    booked = {status: _consultation(intake, status) for status, intake in kept.items()}
    mixed_cancelled = _consultation(mixed, Consultation.Status.CANCELLED)
    _consultation(mixed, Consultation.Status.COMPLETED)

    with CaptureQueriesContext(connection) as queries:
        deleted = intake_purge(now=NOW)

    assert deleted == 1
    assert not Intake.objects.filter(pk=declined_only.pk).exists()
    assert Intake.objects.count() == len(kept) + 1
    for consultation in gone:
        consultation.refresh_from_db()
        assert consultation.client_summary == []
    for consultation in [*booked.values(), mixed_cancelled]:
        consultation.refresh_from_db()
        assert consultation.client_summary == [["Concerns", "anxiety"]]
    assert len(queries) <= 5  # never a query per row (two for the waiting list)


def test_it_clears_expired_sessions():
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from matching.services import sessions_clear_expired

    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        stale = SessionStore()
        stale["intake_draft"] = {"steps": {}}
        stale.set_expiry(2 * 24 * 60 * 60)
        stale.create()
    with time_machine.travel(NOW, tick=False):
        fresh = SessionStore()
        fresh["intake_draft"] = {"steps": {}}
        fresh.create()
        sessions_clear_expired()

    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]


def test_it_clears_expired_sessions_daily(settings):
    from matching.tasks import clear_expired_sessions

    with mock.patch("matching.tasks.sessions_clear_expired") as clear:
        clear_expired_sessions.apply().get()
    clear.assert_called_once_with()
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == clear_expired_sessions.name
    ]
    assert entries and entries[0]["schedule"] == 24 * 60 * 60


def test_it_leaves_nothing_personal_of_an_unbooked_client_after_the_purge(settings):
    from consultations.models import Notification

    settings.INTAKE_RETENTION_DAYS = 30
    unbooked, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=31))
    booked_intake, _ = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=31))
    personal = {
        "client_first_name": "Ana",
        "client_email": "ana@example.org",
        "client_phone": "+1 212 555 0100",
        "decline_message": "Sorry Ana, I'm away that week.",
    }
    gone = [
        _consultation(unbooked, status, **personal)
        for status in (
            Consultation.Status.DECLINED,
            Consultation.Status.EXPIRED,
            Consultation.Status.CANCELLED,
        )
    ]
    bounced = Notification.objects.create(
        consultation=gone[0],
        kind="client_declined",
        due_at=NOW,
        status=Notification.Status.FAILED,
        last_error="550 no such user ana@example.org",
    )
    kept = _consultation(booked_intake, Consultation.Status.CONFIRMED, **personal)

    intake_purge(now=NOW)

    for consultation in gone:
        consultation.refresh_from_db()
        values = [
            consultation.client_first_name,
            consultation.client_email,
            consultation.client_phone,
            consultation.decline_message,
            consultation.client_summary,
        ]
        assert values == ["—", "", "", "", []]
    bounced.refresh_from_db()
    assert bounced.last_error == ""
    kept.refresh_from_db()
    assert (kept.client_first_name, kept.client_email, kept.client_phone) == (
        "Ana",
        "ana@example.org",
        "+1 212 555 0100",
    )


def test_it_purges_the_access_log_of_purged_intakes_with_them(settings):
    from consultations.access_log import answers_access_record
    from consultations.models import AnswerAccess
    from matching.services import answers_access_purge

    settings.INTAKE_RETENTION_DAYS = 30
    old = NOW - dt.timedelta(days=31)
    unbooked, _ = intake_submit(answers=EXPECTED_ANSWERS, now=old)
    booked, _ = intake_submit(answers=EXPECTED_ANSWERS, now=old)
    _consultation(booked, Consultation.Status.CONFIRMED)
    for intake in (unbooked, booked):
        answers_access_record(
            intake_references=[intake.pk],
            user_id=None,
            username="staff",
            where=AnswerAccess.Where.ADMIN_INTAKE,
            address="not-an-address",
            now=old,
        )
    recent = answers_access_record(
        intake_references=[unbooked.pk],
        user_id=None,
        username="staff",
        where=AnswerAccess.Where.EXPORT,
        address="2001:db8::1",
        now=NOW,
    )

    intake_purge(now=NOW)
    answers_access_purge(now=NOW)

    left = AnswerAccess.objects.values_list("intake_reference", "where", "address")
    # The booked intake keeps its log; the purged one keeps only what is inside the period.
    assert sorted(left, key=str) == sorted(
        [
            (booked.pk, AnswerAccess.Where.ADMIN_INTAKE, None),
            (unbooked.pk, AnswerAccess.Where.EXPORT, "2001:db8::1"),
        ],
        key=str,
    )
    assert recent == 1
