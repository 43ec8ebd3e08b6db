"""What a clinician chooses to hear by email, and the one reminder about a request still
waiting for them, which no choice turns off."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db.models import BooleanField

from consultations import notifications as n
from consultations import services
from consultations.messages import MESSAGES, Kind
from consultations.models import Consultation, Notification, NotificationPreferences

from .factories import ConsultationFactory, booking_settings

pytestmark = pytest.mark.django_db
Status = Notification.Status
# Monday 2 March 2026, 15:00 UTC (10:00 in New York).
NOW = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
WAITING = "Still waiting for you: a consultation request for"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)


def request_at(clinician, *, start_in=dt.timedelta(days=3), **fields) -> Consultation:
    """A request made at NOW, as booking makes one (the row, then its notifications)."""
    with time_machine.travel(NOW, tick=False):
        consultation = ConsultationFactory(
            clinician=clinician,
            starts_at=NOW + start_in,
            ends_at=NOW + start_in + dt.timedelta(minutes=15),
            **fields,
        )
        n.consultation_notify(consultation=consultation, event="requested")
    return consultation


def sweep(at: dt.datetime) -> list:
    before = len(mail.outbox)
    with time_machine.travel(at, tick=False):
        n.notifications_sweep(now=at)
    return mail.outbox[before:]


def subjects(messages) -> list[str]:
    return [m.subject for m in messages]


def waiting(messages) -> list:
    return [m for m in messages if m.subject.startswith(WAITING)]


@pytest.mark.parametrize(
    ("expiry_hours", "start_in", "reminded_after"),
    [
        # The practice's default: requests expire after 24 hours, so halfway.
        (24, dt.timedelta(days=3), dt.timedelta(hours=12)),
        # Requests that live three days: after 24 hours.
        (72, dt.timedelta(days=5), dt.timedelta(hours=24)),
        (48, dt.timedelta(days=5), dt.timedelta(hours=24)),
        # A start 14 hours away ends the request then: halfway to it.
        (72, dt.timedelta(hours=14), dt.timedelta(hours=7)),
    ],
)
def test_a_waiting_request_is_reminded_once_before_it_expires(
    clinician, expiry_hours, start_in, reminded_after
):
    booking_settings(request_expiry_hours=expiry_hours)
    consultation = request_at(clinician, start_in=start_in)
    first = sweep(NOW)
    assert len(first) == 2  # the client's receipt and the clinician's news

    assert waiting(sweep(NOW + reminded_after - dt.timedelta(minutes=1))) == []
    (reminder,) = waiting(sweep(NOW + reminded_after))
    assert waiting(sweep(NOW + reminded_after + dt.timedelta(minutes=5))) == []

    assert reminder.to == [clinician.email]
    expires = consultation.request_expires_at(expiry_hours)
    assert NOW + reminded_after < expires
    assert "Ana" in reminder.body and "still waiting for your answer" in reminder.body
    assert "/consultations/portal/" in reminder.body
    (html, _mimetype), *_ = reminder.alternatives
    assert "still waiting for your answer" in html
    assert Notification.objects.get(kind=Kind.CLINICIAN_REQUEST_WAITING).status == Status.SENT


@pytest.mark.parametrize("expiry_hours", [1, 2, 5, 12, 24, 25, 47, 48, 49, 72, 300])
@pytest.mark.parametrize("hours_ahead", [12, 13, 20, 30, 60, 24 * 21])
def test_the_reminder_always_comes_before_the_expiry_and_within_a_day(
    clinician, expiry_hours, hours_ahead
):
    booking_settings(request_expiry_hours=expiry_hours)
    with time_machine.travel(NOW, tick=False):
        consultation = ConsultationFactory(
            clinician=clinician, starts_at=NOW + dt.timedelta(hours=hours_ahead)
        )

    due = n.request_reminder_due(consultation)

    expires = consultation.request_expires_at(expiry_hours)
    assert NOW < due < expires
    assert due - NOW <= dt.timedelta(hours=24)
    # As long left to answer as has passed, at least.
    assert expires - due >= due - NOW


def test_an_answered_request_is_not_reminded(clinician):
    consultation = request_at(clinician)
    sweep(NOW)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        services.consultation_confirm(consultation_id=consultation.pk)

    assert waiting(sweep(NOW + dt.timedelta(hours=13))) == []
    row = Notification.objects.get(kind=Kind.CLINICIAN_REQUEST_WAITING)
    assert row.status == Status.CANCELLED


def test_a_declined_cancelled_or_expired_request_is_not_reminded(clinician, other_clinician):
    declined = request_at(clinician)
    cancelled = request_at(clinician, start_in=dt.timedelta(days=4))
    sweep(NOW)
    with time_machine.travel(NOW, tick=False):
        services.consultation_decline(consultation_id=declined.pk)
        services.consultation_cancel(consultation_id=cancelled.pk)
    # A request whose expiry passed before the sweep that would expire it ran.
    booking_settings(request_expiry_hours=24)
    late = request_at(other_clinician)
    Notification.objects.filter(consultation=late, kind=Kind.CLINICIAN_REQUEST_WAITING).update(
        due_at=NOW + dt.timedelta(hours=25)
    )
    sweep(NOW)

    assert waiting(sweep(NOW + dt.timedelta(hours=26))) == []
    rows = Notification.objects.filter(kind=Kind.CLINICIAN_REQUEST_WAITING)
    assert {row.consultation_id: row.status for row in rows} == {
        declined.pk: Status.CANCELLED,
        cancelled.pk: Status.CANCELLED,
        late.pk: Status.SKIPPED,
    }


def test_a_moved_request_keeps_its_one_reminder(clinician):
    consultation = request_at(clinician)
    sweep(NOW)
    # Moved before the reminder: it is planned again for the same moment.
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        services.consultation_reschedule(
            consultation_id=consultation.pk, new_start=NOW + dt.timedelta(days=3, hours=1)
        )
    (reminder,) = waiting(sweep(NOW + dt.timedelta(hours=12)))
    # Moved again after it went: no second one.
    with time_machine.travel(NOW + dt.timedelta(hours=13), tick=False):
        services.consultation_reschedule(
            consultation_id=consultation.pk, new_start=NOW + dt.timedelta(days=3, hours=2)
        )
    assert waiting(sweep(NOW + dt.timedelta(hours=23))) == []
    assert (
        Notification.objects.filter(kind=Kind.CLINICIAN_REQUEST_WAITING, status=Status.SENT).count()
        == 1
    )


def test_a_clinician_who_turned_new_requests_off_still_gets_the_reminder(clinician):
    NotificationPreferences.objects.create(clinician=clinician, new_requests=False)
    consultation = request_at(clinician)

    first = sweep(NOW)

    assert [m.to for m in first] == [[consultation.client_email]]
    news = Notification.objects.get(kind=Kind.CLINICIAN_NEW_REQUEST)
    assert (news.status, news.last_error) == (
        Status.CANCELLED,
        "The clinician turned these emails off.",
    )
    (reminder,) = waiting(sweep(NOW + dt.timedelta(hours=12)))
    assert reminder.to == [clinician.email]


def test_no_choice_silences_the_reminder_of_a_waiting_request(clinician):
    # Every choice off at once, the summary included: the request is still reminded.
    choices = [
        field.name
        for field in NotificationPreferences._meta.get_fields()
        if isinstance(field, BooleanField)
    ]
    assert {"new_requests", "changes", "cancellations", "digest"} <= set(choices)
    NotificationPreferences.objects.create(clinician=clinician, **dict.fromkeys(choices, False))
    request_at(clinician)
    sweep(NOW)

    (reminder,) = waiting(sweep(NOW + dt.timedelta(hours=12)))

    assert reminder.to == [clinician.email]
    assert not MESSAGES[Kind.CLINICIAN_REQUEST_WAITING].preference


@pytest.mark.parametrize(
    ("turned_off", "silenced", "still_sent"),
    [
        ("changes", "clinician_rescheduled", "clinician_cancelled"),
        ("cancellations", "clinician_cancelled", "clinician_rescheduled"),
    ],
)
def test_each_choice_silences_only_its_own_emails(clinician, turned_off, silenced, still_sent):
    booking_settings(requires_confirmation=False)
    with time_machine.travel(NOW, tick=False):
        consultation = ConsultationFactory(
            clinician=clinician,
            status=Consultation.Status.CONFIRMED,
            confirmed_at=NOW,
            starts_at=NOW + dt.timedelta(days=3),
            ends_at=NOW + dt.timedelta(days=3, minutes=15),
        )
        n.consultation_notify(consultation=consultation, event="confirmed")
    NotificationPreferences.objects.create(clinician=clinician, **{turned_off: False})
    sweep(NOW)
    with time_machine.travel(NOW, tick=False):
        services.consultation_reschedule(
            consultation_id=consultation.pk, new_start=NOW + dt.timedelta(days=3, hours=1)
        )
    sent = sweep(NOW)
    with time_machine.travel(NOW, tick=False):
        services.consultation_cancel(consultation_id=consultation.pk)
    sent += sweep(NOW + dt.timedelta(minutes=1))

    clients = [m for m in sent if m.to == [consultation.client_email]]
    assert len(clients) == 2  # the client hears of both, whatever the clinician chose
    rows = {
        row.kind: row.status for row in Notification.objects.filter(kind__in=[silenced, still_sent])
    }
    assert rows == {silenced: Status.CANCELLED, still_sent: Status.SENT}
    assert [m.to for m in sent if m.to == [clinician.email]] == [[clinician.email]]
