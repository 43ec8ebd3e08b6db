import datetime as dt
import smtplib
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from consultations import notifications as n
from consultations.messages import Kind
from consultations.models import Consultation, FitCheck, Notification
from consultations.tasks import send_notification
from tests.consultations.factories import ConsultationFactory, FitCheckFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status
UTC = dt.UTC
NOW = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


class FlakyBackend(LocmemBackend):
    """Refuses the first `failures` messages like a mail server would, then delivers."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _no_flaky_failures_left():
    """Each test sets the failures it wants; none leak into the next test."""
    FlakyBackend.failures = 0
    yield
    FlakyBackend.failures = 0


@pytest.fixture
def queued(monkeypatch):
    """The ids handed to the broker, instead of a broker."""
    ids = []
    monkeypatch.setattr(send_notification, "apply_async", lambda args, **kw: ids.append(args[0]))
    return ids


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(*, status=Consultation.Status.REQUESTED, hours_ahead=48, **fields) -> Consultation:
    starts_at = timezone.now() + dt.timedelta(hours=hours_ahead)
    if status == Consultation.Status.CONFIRMED:
        fields.setdefault("confirmed_at", timezone.now())
    return ConsultationFactory(status=status, starts_at=starts_at, **fields)


def kinds(consultation, status=None) -> dict[str, dt.datetime]:
    rows = Notification.objects.filter(consultation=consultation)
    if status:
        rows = rows.filter(status=status)
    return {row.kind: row.due_at for row in rows}


def transition(consultation, status, *, bump=False, **fields):
    consultation.status = status
    if bump:
        consultation.sequence += 1
    for key, value in fields.items():
        setattr(consultation, key, value)
    consultation.save()
    return consultation


# Recording what an event calls for


def test_it_records_request_received_and_the_clinicians_request(now, queued):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")

    assert kinds(consultation) == {
        Kind.CLIENT_REQUEST_RECEIVED: NOW,
        Kind.CLINICIAN_NEW_REQUEST: NOW,
        # Requests expire after 24 hours by default: the reminder comes halfway.
        Kind.CLINICIAN_REQUEST_WAITING: NOW + dt.timedelta(hours=12),
    }


def test_it_records_confirmation_reminders_and_fit_check_on_confirm(now, queued):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    transition(consultation, Consultation.Status.CONFIRMED, confirmed_at=NOW)
    n.consultation_notify(consultation=consultation, event="confirmed")

    start = consultation.starts_at
    assert kinds(consultation, Status.CANCELLED) == {
        Kind.CLINICIAN_REQUEST_WAITING: NOW + dt.timedelta(hours=12)
    }
    assert kinds(consultation, Status.PENDING) == {
        Kind.CLIENT_REQUEST_RECEIVED: NOW,
        Kind.CLINICIAN_NEW_REQUEST: NOW,
        Kind.CLIENT_CONFIRMED: NOW,
        "reminder_1440": start - dt.timedelta(hours=24),
        "reminder_60": start - dt.timedelta(hours=1),
        Kind.FIT_CHECK: consultation.ends_at + dt.timedelta(minutes=15),
    }


def test_it_tells_the_clinician_about_a_booking_that_needed_no_confirmation(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")

    recorded = kinds(consultation)
    assert Kind.CLINICIAN_BOOKED in recorded
    assert Kind.CLIENT_CONFIRMED in recorded
    assert Kind.CLIENT_REQUEST_RECEIVED not in recorded


def test_it_treats_a_request_that_is_already_confirmed_as_a_confirmation(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="requested")

    assert set(kinds(consultation)) >= {Kind.CLIENT_CONFIRMED, Kind.CLINICIAN_BOOKED, "reminder_60"}


def test_it_leaves_out_a_reminder_that_would_fall_before_the_booking(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED, hours_ahead=3)
    n.consultation_notify(consultation=consultation, event="confirmed")

    recorded = kinds(consultation)
    assert "reminder_60" in recorded
    assert "reminder_1440" not in recorded


def test_it_takes_the_reminder_list_from_settings(now, queued, settings):
    settings.CONSULTATION_REMINDERS_MINUTES = [120]
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")

    assert [k for k in kinds(consultation) if k.startswith("reminder_")] == ["reminder_120"]


def test_it_records_nothing_more_when_an_event_is_repeated(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    n.consultation_notify(consultation=consultation, event="confirmed")

    assert Notification.objects.filter(consultation=consultation).count() == 5


def test_it_cancels_pending_rows_and_tells_both_when_a_confirmed_booking_is_cancelled(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    transition(consultation, Consultation.Status.CANCELLED, bump=True)
    n.consultation_notify(consultation=consultation, event="cancelled")

    assert set(kinds(consultation, Status.PENDING)) == {
        Kind.CLIENT_CANCELLED,
        Kind.CLINICIAN_CANCELLED,
    }
    assert set(kinds(consultation, Status.CANCELLED)) == {
        Kind.CLIENT_CONFIRMED,
        Kind.CLINICIAN_BOOKED,
        "reminder_1440",
        "reminder_60",
        Kind.FIT_CHECK,
    }


def test_it_tells_the_clinician_too_when_a_pending_request_is_cancelled(now, queued):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    transition(consultation, Consultation.Status.CANCELLED, bump=True)
    n.consultation_notify(consultation=consultation, event="cancelled")

    assert set(kinds(consultation, Status.PENDING)) == {
        Kind.CLIENT_CANCELLED,
        Kind.CLINICIAN_CANCELLED,
    }
    n.notifications_sweep(now=NOW)
    (to_clinician,) = [m for m in mail.outbox if m.to == [consultation.clinician.email]]
    assert to_clinician.subject.startswith("Consultation on ")
    assert "The request for a free consultation with Ana" in to_clinician.body
    assert "nothing for you to confirm" in to_clinician.body
    # No calendar ever held a mere request, so there is no cancellation to send.
    assert to_clinician.attachments == []


@pytest.mark.parametrize(
    ("event", "status", "kind"),
    [
        ("declined", Consultation.Status.DECLINED, Kind.CLIENT_DECLINED),
        ("expired", Consultation.Status.EXPIRED, Kind.CLIENT_EXPIRED),
    ],
)
def test_it_tells_the_client_when_a_request_goes_nowhere(now, queued, event, status, kind):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    transition(consultation, status, bump=True)
    n.consultation_notify(consultation=consultation, event=event)

    assert set(kinds(consultation, Status.PENDING)) == {kind}
    assert Notification.objects.get(consultation=consultation, kind=kind).revision == 1


def test_it_plans_again_for_the_new_time_on_reschedule(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    new_start = consultation.starts_at + dt.timedelta(days=1)
    transition(
        consultation,
        Consultation.Status.CONFIRMED,
        bump=True,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(minutes=15),
    )
    n.consultation_notify(consultation=consultation, event="rescheduled")

    pending = Notification.objects.filter(consultation=consultation, status=Status.PENDING)
    assert {row.revision for row in pending} == {1}
    assert {row.kind: row.due_at for row in pending} == {
        Kind.CLIENT_RESCHEDULED: NOW,
        Kind.CLINICIAN_RESCHEDULED: NOW,
        "reminder_1440": new_start - dt.timedelta(hours=24),
        "reminder_60": new_start - dt.timedelta(hours=1),
        Kind.FIT_CHECK: new_start + dt.timedelta(minutes=30),
    }
    old = Notification.objects.filter(consultation=consultation, revision=0)
    assert {row.status for row in old if row.kind.startswith("reminder_")} == {Status.CANCELLED}


def test_it_stops_reminders_and_keeps_the_fit_check_when_completed(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED, hours_ahead=2)
    n.consultation_notify(consultation=consultation, event="confirmed")
    transition(consultation, Consultation.Status.COMPLETED)
    n.consultation_notify(consultation=consultation, event="completed")

    assert kinds(consultation, Status.CANCELLED).keys() == {"reminder_60"}
    assert Kind.FIT_CHECK in kinds(consultation, Status.PENDING)


def test_it_cancels_the_fit_check_after_a_no_show(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    transition(consultation, Consultation.Status.NO_SHOW)
    n.consultation_notify(consultation=consultation, event="no_show")

    assert Notification.objects.get(consultation=consultation, kind=Kind.FIT_CHECK).status == (
        Status.CANCELLED
    )


def test_it_records_a_safety_flag_for_the_practice_once(now, queued):
    reference = uuid.uuid4()
    n.intake_safety_notify(intake_reference=reference)
    n.intake_safety_notify(intake_reference=reference)

    row = Notification.objects.get(intake_reference=reference)
    assert (row.kind, row.status, row.due_at) == (Kind.INTAKE_SAFETY, Status.PENDING, NOW)


@pytest.mark.parametrize("unsent", [Status.PENDING, Status.SENDING])
def test_it_records_no_second_safety_email_while_one_is_unsent(now, queued, unsent):
    reference = uuid.uuid4()
    n.intake_safety_notify(intake_reference=reference)
    Notification.objects.filter(intake_reference=reference).update(status=unsent)

    n.intake_safety_notify(intake_reference=reference)

    assert Notification.objects.filter(intake_reference=reference).count() == 1


def test_it_emails_the_practice_again_when_an_intake_is_flagged_again_later(
    now, queued, django_capture_on_commit_callbacks
):
    reference = uuid.uuid4()
    n.intake_safety_notify(intake_reference=reference)
    n.notifications_sweep(now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        n.intake_safety_notify(intake_reference=reference)
    n.notifications_sweep(now=NOW)

    rows = Notification.objects.filter(intake_reference=reference)
    assert [row.status for row in rows] == [Status.SENT, Status.SENT]
    assert rows.order_by("pk").last().pk in queued
    assert len(mail.outbox) == 2
    assert len({m.message()["Message-ID"] for m in mail.outbox}) == 2


# Queuing after commit


def test_it_queues_messages_due_now_only_after_commit(
    now, queued, django_capture_on_commit_callbacks
):
    consultation = book(status=Consultation.Status.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        n.consultation_notify(consultation=consultation, event="confirmed")
        assert queued == []

    assert len(callbacks) == 1
    due_now = Notification.objects.filter(consultation=consultation, due_at__lte=NOW)
    assert sorted(queued) == sorted(row.pk for row in due_now)


def test_it_queues_nothing_when_the_transaction_rolls_back(
    now, queued, django_capture_on_commit_callbacks
):
    consultation = book()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        n.consultation_notify(consultation=consultation, event="requested")
        raise RuntimeError("booking failed")

    assert queued == []
    assert not Notification.objects.filter(consultation=consultation).exists()


def test_it_keeps_the_booking_when_the_broker_is_down(
    now, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(send_notification, "apply_async", broker_down)
    consultation = book(client_email="ana.private@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        n.consultation_notify(consultation=consultation, event="requested")

    due_now = Notification.objects.filter(consultation=consultation, due_at__lte=NOW)
    assert due_now.filter(status=Status.PENDING).count() == 2
    assert "the sweep will send them" in caplog.text
    assert "ana.private" not in caplog.text
    assert "Ana" not in caplog.text


# Sending


def test_it_sends_due_rows_once_and_leaves_later_ones(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")

    assert n.notifications_sweep(now=NOW) == 2
    assert n.notifications_sweep(now=NOW) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [consultation.client_email, consultation.clinician.email]
    )
    assert set(kinds(consultation, Status.SENT)) == {Kind.CLIENT_CONFIRMED, Kind.CLINICIAN_BOOKED}
    assert set(kinds(consultation, Status.PENDING)) == {"reminder_1440", "reminder_60", "fit_check"}


def test_it_sends_a_claimed_row_only_once(now, queued):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)

    assert n.notification_send(notification_id=row.pk) is True
    assert n.notification_send(notification_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (Status.SENT, 1, NOW)
    assert len(mail.outbox) == 1


def test_it_does_not_send_a_row_before_it_is_due(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    reminder = Notification.objects.get(consultation=consultation, kind="reminder_60")

    assert n.notification_send(notification_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING


def test_it_sends_reminders_at_the_right_times_across_a_dst_change(queued):
    # 9 March 2025: New York springs forward at 2:00. A 4:00 PM consultation that day
    # is 20:00 UTC; 24 hours earlier is 20:00 UTC on the 8th, still 3:00 PM EST.
    start = dt.datetime(2025, 3, 9, 20, 0, tzinfo=UTC)
    with time_machine.travel(dt.datetime(2025, 3, 5, 12, 0, tzinfo=UTC), tick=False):
        consultation = ConsultationFactory(
            status=Consultation.Status.CONFIRMED,
            starts_at=start,
            client_timezone="America/New_York",
            confirmed_at=timezone.now(),
        )
        n.consultation_notify(consultation=consultation, event="confirmed")
        n.notifications_sweep(now=timezone.now())
    mail.outbox.clear()

    day_before = dt.datetime(2025, 3, 8, 20, 0, tzinfo=UTC)
    hour_before = dt.datetime(2025, 3, 9, 19, 0, tzinfo=UTC)
    for moment, expected in [
        (day_before - dt.timedelta(minutes=1), 0),
        (day_before, 1),
        (hour_before - dt.timedelta(minutes=1), 0),
        (hour_before, 1),
    ]:
        with time_machine.travel(moment, tick=False):
            assert n.notifications_sweep(now=timezone.now()) == expected, moment
    assert [m.subject for m in mail.outbox] == [
        "Reminder: your consultation on Sun 9 Mar, 4:00 PM",
        "Reminder: your consultation on Sun 9 Mar, 4:00 PM",
    ]
    assert "4:00 PM Eastern Time (New York)" in mail.outbox[1].body


def test_it_sends_a_reminder_late_within_the_grace_window_and_skips_it_after(now, queued, settings):
    settings.NOTIFICATION_GRACE_MINUTES = 6 * 60
    on_time = book(status=Consultation.Status.CONFIRMED, hours_ahead=30)
    too_late = book(status=Consultation.Status.CONFIRMED, hours_ahead=40)
    for consultation in (on_time, too_late):
        n.consultation_notify(consultation=consultation, event="confirmed")
    n.notifications_sweep(now=NOW)
    mail.outbox.clear()

    # Everything was down: at the very end of the grace window the reminder is still useful...
    late = kinds(on_time)["reminder_1440"] + dt.timedelta(hours=6)
    n.notifications_sweep(now=late)
    reminder = Notification.objects.get(consultation=on_time, kind="reminder_1440")
    assert (reminder.status, reminder.sent_at) == (Status.SENT, NOW)
    assert [m.to for m in mail.outbox] == [[on_time.client_email]]
    assert mail.outbox[0].subject.startswith("Reminder")

    # ...a minute past it, it is not.
    mail.outbox.clear()
    past = kinds(too_late)["reminder_1440"] + dt.timedelta(hours=6, minutes=1)
    n.notifications_sweep(now=past)
    reminder = Notification.objects.get(consultation=too_late, kind="reminder_1440")
    assert reminder.status == Status.SKIPPED
    assert reminder.last_error == "Too late to remind: past the grace window."
    assert reminder.sent_at is None
    assert not [m for m in mail.outbox if m.to == [too_late.client_email]]


def test_it_skips_a_reminder_once_the_consultation_has_started(now, queued, settings):
    settings.NOTIFICATION_GRACE_MINUTES = 24 * 60
    consultation = book(status=Consultation.Status.CONFIRMED, hours_ahead=2)
    n.consultation_notify(consultation=consultation, event="confirmed")

    n.notifications_sweep(now=consultation.starts_at + dt.timedelta(minutes=1))

    assert Notification.objects.get(consultation=consultation, kind="reminder_60").status == (
        Status.SKIPPED
    )


def test_it_never_sends_a_row_planned_for_an_old_time(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    n.consultation_notify(consultation=consultation, event="confirmed")
    reminder = Notification.objects.get(consultation=consultation, kind="reminder_60")
    # The time moved without the event (a bug elsewhere): the row is still not sent.
    Consultation.objects.filter(pk=consultation.pk).update(sequence=1)

    n.notifications_sweep(now=reminder.due_at)

    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_it_does_not_send_the_fit_check_once_answered(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED, hours_ahead=2)
    n.consultation_notify(consultation=consultation, event="confirmed")
    FitCheck.objects.create(
        consultation=consultation,
        felt_heard=5,
        agreed_goals=5,
        approach_makes_sense=5,
        wants_to_continue=5,
    )

    n.notifications_sweep(now=consultation.ends_at + dt.timedelta(hours=1))

    assert Notification.objects.get(consultation=consultation, kind=Kind.FIT_CHECK).status == (
        Status.CANCELLED
    )


def test_it_retries_a_mail_server_error_with_backoff_then_sends(now, queued, settings):
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.FlakyBackend"
    FlakyBackend.failures = 1
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)

    assert n.notification_send(notification_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert NOW + dt.timedelta(seconds=30) <= row.due_at <= NOW + dt.timedelta(seconds=60)

    assert n.notifications_sweep(now=row.due_at) == 2
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")
    assert len(mail.outbox) == 2


def test_it_retries_only_one_failed_safety_email_per_intake_at_a_time(now, queued):
    reference = uuid.uuid4()
    for _ in range(3):
        n.intake_safety_notify(intake_reference=reference)
        Notification.objects.filter(intake_reference=reference).update(status=Status.FAILED)
    failed = list(Notification.objects.filter(intake_reference=reference).order_by("pk"))

    assert n.notifications_retry(notification_ids=[row.pk for row in failed]) == 1
    assert n.notifications_retry(notification_ids=[row.pk for row in failed]) == 0

    statuses = Notification.objects.filter(intake_reference=reference).order_by("pk")
    assert [row.status for row in statuses] == [Status.FAILED, Status.FAILED, Status.PENDING]


class RefusingBackend(LocmemBackend):
    """A mail server that refuses with a reply naming the recipient."""

    error = None

    def send_messages(self, messages):
        raise RefusingBackend.error


@pytest.mark.parametrize(
    ("error", "status", "recorded"),
    [
        (
            smtplib.SMTPRecipientsRefused(
                {"ana.private@example.org": (550, b"5.1.1 <ana.private@example.org>: unknown")}
            ),
            Status.FAILED,
            "SMTPRecipientsRefused: 550 5.1.1",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message to ana.private@example.org rejected"),
            Status.FAILED,
            "SMTPDataError: 554 5.7.1",
        ),
        (
            smtplib.SMTPSenderRefused(553, b"sender refused for ana.private", "Ana"),
            Status.FAILED,
            "SMTPSenderRefused: 553",
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"ana.private@example.org": (450, b"4.2.1 <ana.private@example.org>: try later")}
            ),
            Status.PENDING,
            "SMTPRecipientsRefused: 450 4.2.1",
        ),
        (
            TimeoutError("timed out talking to mx for ana.private@example.org"),
            Status.PENDING,
            "TimeoutError",
        ),
    ],
)
def test_it_keeps_only_the_error_type_and_code_never_the_servers_text(
    now, queued, settings, error, status, recorded
):
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.RefusingBackend"
    RefusingBackend.error = error
    consultation = book(client_email="ana.private@example.org")
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)

    n.notification_send(notification_id=row.pk)

    row.refresh_from_db()
    # 5xx: a refusal of this message, not retried; 4xx and timeouts: tried again later.
    assert (row.status, row.last_error) == (status, recorded)
    assert "ana" not in row.last_error


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
        smtplib.SMTPConnectError(554, b"5.7.1 no service for you"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_it_retries_trouble_with_the_connection_even_when_the_code_is_5xx(
    now, queued, settings, error
):
    # A wrong password or a server refusing everyone is fixed once for every message.
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.RefusingBackend"
    RefusingBackend.error = error
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)

    n.notification_send(notification_id=row.pk)

    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.last_error.startswith(type(error).__name__)


def test_it_backs_off_exponentially():
    delays = [n.retry_delay(attempt).total_seconds() for attempt in (1, 2, 3, 4)]

    for attempt, delay in enumerate(delays, start=1):
        ceiling = 60 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_it_caps_the_backoff(settings):
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 1800

    for attempt in (6, 7, 20, 500):
        assert 900 <= n.retry_delay(attempt).total_seconds() <= 1800


def test_it_marks_a_row_failed_after_the_last_attempt_and_staff_can_retry(
    now, queued, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.FlakyBackend"
    settings.NOTIFICATION_RETRY_HOURS = 24
    FlakyBackend.failures = 2
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)
    Notification.objects.exclude(pk=row.pk).update(status=Status.CANCELLED)

    n.notifications_sweep(now=NOW)
    # Still failing when the retry window ends: failed for good.
    n.notifications_sweep(now=NOW + dt.timedelta(hours=24))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 2)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert n.notifications_retry(notification_ids=[row.pk]) == 1
    assert row.pk in queued
    n.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.failing_since) == (Status.SENT, 1, None)
    assert len(mail.outbox) == 1


def test_it_reclaims_a_row_whose_sender_stopped_mid_send(now, queued, settings):
    consultation = book()
    n.consultation_notify(consultation=consultation, event="requested")
    row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_REQUEST_RECEIVED)
    lease = dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=NOW - lease + dt.timedelta(seconds=5), attempts=1
    )

    # Within the lease the row is left to its sender.
    n.notifications_sweep(now=NOW)
    row.refresh_from_db()
    assert row.status == Status.SENDING

    with time_machine.travel(NOW + dt.timedelta(seconds=6), tick=False):
        n.notifications_sweep(now=timezone.now())
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert [m.to for m in mail.outbox].count([consultation.client_email]) == 1


def test_it_does_not_write_to_a_client_whose_data_was_erased(now, queued):
    consultation = book(status=Consultation.Status.CONFIRMED)
    transition(consultation, Consultation.Status.CANCELLED, bump=True)
    n.consultation_notify(consultation=consultation, event="cancelled")
    Consultation.objects.filter(pk=consultation.pk).update(client_email="", client_first_name="—")

    n.notifications_sweep(now=NOW)

    assert [m.to for m in mail.outbox] == [[consultation.clinician.email]]
    client_row = Notification.objects.get(consultation=consultation, kind=Kind.CLIENT_CANCELLED)
    assert client_row.status == Status.CANCELLED


class SlowSweepBackend(LocmemBackend):
    """A mail server so slow that one sweep runs into the next: each message moves the clock on
    by most of a lease, and once more than a lease has passed since the sweep began a second
    sweep runs (as the beat would start one) before this message goes out."""

    traveller = None
    lease = dt.timedelta(0)
    second_sweep_sent = None

    def send_messages(self, messages):
        cls = SlowSweepBackend
        if cls.second_sweep_sent is None and timezone.now() > NOW + cls.lease:
            cls.second_sweep_sent = 0
            cls.second_sweep_sent = n.notifications_sweep(now=timezone.now())
        elif cls.second_sweep_sent is None:
            cls.traveller.shift(cls.lease * 0.6)
        return super().send_messages(messages)


def test_it_sends_each_row_once_when_a_slow_sweep_runs_into_the_next(settings):
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.SlowSweepBackend"
    lease = dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    with time_machine.travel(NOW, tick=False) as traveller:
        SlowSweepBackend.traveller = traveller
        SlowSweepBackend.lease = lease
        SlowSweepBackend.second_sweep_sent = None
        rows = Notification.objects.bulk_create(
            Notification(consultation=book(), kind=Kind.CLIENT_REQUEST_RECEIVED, due_at=NOW)
            for _ in range(5)
        )

        # Sweep A reads all five and claims one at a time; by its third message 1.2 leases have
        # passed, and sweep B sends the two A has not claimed yet. A must not send them.
        first_sweep_sent = n.notifications_sweep(now=NOW)

    assert (first_sweep_sent, SlowSweepBackend.second_sweep_sent) == (3, 2)
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert sorted(ids) == sorted({f"<notification.{row.pk}@127.0.0.1>" for row in rows})
    sent = Notification.objects.filter(pk__in=[row.pk for row in rows])
    assert all(row.status == Status.SENT for row in sent)
    # Nothing waited under a claim long enough to be taken back: each went on its first claim.
    assert sorted(row.attempts for row in sent) == [1, 1, 1, 1, 1]


def test_it_claims_only_the_row_it_is_sending(now, queued):
    rows = Notification.objects.bulk_create(
        Notification(consultation=book(), kind=Kind.CLIENT_REQUEST_RECEIVED, due_at=NOW)
        for _ in range(4)
    )
    seen = []
    deliver = n._deliver

    def look(notification, **kwargs):
        seen.append(list(Notification.objects.values_list("status", flat=True)))
        return deliver(notification, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(n, "_deliver", look)
        n.notifications_sweep(now=NOW)

    # While each row is being sent, every other row not yet sent is still pending: a sender
    # that died there would hold back only the one.
    assert [statuses.count(Status.SENDING) for statuses in seen] == [1, 1, 1, 1]
    assert [statuses.count(Status.PENDING) for statuses in seen] == [3, 2, 1, 0]
    assert (
        Notification.objects.filter(pk__in=[row.pk for row in rows], status=Status.SENT).count()
        == 4
    )


def test_the_default_lease_brings_back_a_dead_senders_message_within_two_minutes():
    from config.settings import base

    sweep_every = base.CELERY_BEAT_SCHEDULE["notifications-sweep"]["schedule"]
    assert base.NOTIFICATION_CLAIM_LEASE_SECONDS + sweep_every <= 2 * 60
    assert base.NOTIFICATION_CLAIM_LEASE_SECONDS >= 2 * base.EMAIL_TIMEOUT


# Reclaim (2), reading the due rows (with what the messages need), the empty last read, and
# the savepoints around them.
FIXED_SWEEP_QUERIES = 10


@pytest.mark.parametrize("rows", [2, 8])
def test_it_sweeps_fit_checks_in_a_constant_number_of_queries_per_row(
    now, queued, rows, django_assert_max_num_queries
):
    for i in range(rows):
        if i % 2:
            consultation = FitCheckFactory().consultation  # answered: cancelled, not sent
        else:
            consultation = book(status=Consultation.Status.COMPLETED, hours_ahead=-2)
        Notification.objects.create(consultation=consultation, kind=Kind.FIT_CHECK, due_at=NOW)

    # Per row only its claim and the outcome: never a query for the fit check.
    with django_assert_max_num_queries(FIXED_SWEEP_QUERIES + 2 * rows):
        n.notifications_sweep(now=NOW)

    assert len(mail.outbox) == (rows + 1) // 2
    assert not Notification.objects.filter(status=Status.PENDING).exists()
