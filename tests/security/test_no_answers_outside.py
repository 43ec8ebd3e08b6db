"""What a client tells us in the intake stays in the app: a distinctive answer planted in an
intake reaches the clinician's portal (so the plant works) and never an email, an invite or the
clinician's calendar feed, through a consultation's whole life."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from consultations import notifications, services
from consultations.models import Consultation, NotificationPreferences
from tests.consultations.factories import make_intake

from .conftest import NOW, TUESDAY_9

pytestmark = pytest.mark.django_db
PLANTED = "Quetzal-Marmalade-Lighthouse-4471"
ROOM = "https://meet.example.org/maya-chen"


def everything_in(message) -> list[str]:
    """Every readable part of an email: subject, text, HTML and decoded attachments."""
    parts = [message.subject, message.body]
    parts += [content for content, _mimetype in message.alternatives]
    for attachment in message.attachments:
        payload = (
            attachment.get_payload(decode=True)
            if hasattr(attachment, "get_payload")
            else attachment[1]
        )
        parts.append(payload.decode() if isinstance(payload, bytes) else str(payload))
    parts.append(message.message().as_string())
    return parts


def test_a_planted_answer_never_leaves_the_app(client, clinician_a, frozen):
    clinician_a.video_url = ROOM
    clinician_a.save()
    NotificationPreferences.objects.create(clinician=clinician_a, digest=True)
    intake, raw = make_intake(
        goals=PLANTED, concerns_text=PLANTED, first_name="Ana", email="ana@example.org"
    )
    feed = reverse(
        "consultations:calendar_feed",
        args=[services.calendar_feed_renew(clinician_id=clinician_a.pk)],
    )
    feeds = []

    def sweep_and_read(at: dt.datetime) -> None:
        frozen.move_to(at)
        notifications.notifications_sweep()
        response = client.get(feed)
        assert response.status_code == 200
        feeds.append(response.content.decode())

    booked = client.post(
        reverse("matching:book", args=[raw, clinician_a.slug]) + f"?start={TUESDAY_9.isoformat()}",
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "format": "video",
            "start": TUESDAY_9.isoformat(),
        },
    )
    assert booked.status_code in (200, 302)
    consultation = Consultation.objects.get(clinician=clinician_a)
    assert PLANTED in str(consultation.client_summary)
    client.force_login(clinician_a.user)
    assert PLANTED in client.get(reverse("consultations:portal")).content.decode()
    client.logout()

    sweep_and_read(NOW)  # the request: receipt, news to the clinician
    sweep_and_read(NOW + dt.timedelta(hours=12))  # still waiting: the reminder
    services.consultation_confirm(consultation_id=consultation.pk)
    sweep_and_read(NOW + dt.timedelta(hours=12, minutes=1))  # confirmation with invites
    services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=TUESDAY_9 + dt.timedelta(hours=1)
    )
    sweep_and_read(NOW + dt.timedelta(hours=12, minutes=2))  # moved, with new invites
    # Now at 10:00 New York on Tuesday: the client's reminders a day and an hour before.
    sweep_and_read(TUESDAY_9 + dt.timedelta(hours=1) - dt.timedelta(days=1))
    # Monday 18:00 in New York: the clinician's summary of Tuesday.
    frozen.move_to(TUESDAY_9 - dt.timedelta(hours=15))
    assert notifications.clinician_digests_record() == 1
    sweep_and_read(TUESDAY_9 - dt.timedelta(hours=15))
    sweep_and_read(TUESDAY_9 + dt.timedelta(minutes=1))
    services.consultation_cancel(consultation_id=consultation.pk)
    sweep_and_read(TUESDAY_9 + dt.timedelta(minutes=2))  # cancelled, with the invites' CANCEL

    subjects = [m.subject for m in mail.outbox]
    assert len(mail.outbox) == 11, subjects
    assert "Your consultations tomorrow" in subjects
    assert any(s.startswith("Still waiting for you") for s in subjects)
    assert any(ROOM in m.body for m in mail.outbox)  # the room went out, after confirmation
    assert any(m.attachments for m in mail.outbox)
    for message in mail.outbox:
        for part in everything_in(message):
            assert PLANTED not in part, message.subject
    assert any("BEGIN:VEVENT" in f for f in feeds)
    for body in feeds:
        assert PLANTED not in body
