"""Deleting a client's data, by the purge or at their request (from the results link or the
manage link), leaves nothing personal about them: not the intake, not the consultation's
name, contact details or summary, no message still to go to them, no draft in a session."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultations import notifications, services, tokens
from consultations.models import Consultation, ConsultationEvent, Notification
from matching.models import Intake
from matching.services import intake_purge, intake_submit
from matching.tasks import purge_intakes
from matching.views import DRAFT, SENT
from tests.matching.intake_steps import EXPECTED_ANSWERS, fill_intake

from .conftest import MONDAY_9, NOW

pytestmark = pytest.mark.django_db

# What client A told us that identifies them or is private (tests/consultations/factories.py).
PERSONAL = ["ana@example.org", "555 010 3000", "Sleep through the night", "Ana"]


def traces(*needles: str) -> list[str]:
    """Where any of these strings is still stored: rows of every client-related table, and
    every session."""
    found = []
    tables = (Intake, Consultation, ConsultationEvent, Notification)
    for model in tables:
        for row in model.objects.values():
            text = str(row)
            found += [f"{model.__name__}: {n}" for n in needles if n in text]
    for session in Session.objects.all():
        text = str(session.get_decoded())
        found += [f"session: {n}" for n in needles if n in text]
    return found


@pytest.fixture
def booked(clinician_a, intake_a, frozen):
    """Client A booked with clinician A, who confirmed: reminders and a fit check are pending."""
    intake, raw = intake_a
    consultation = services.consultation_book(
        clinician_id=clinician_a.pk,
        starts_at=MONDAY_9,
        format="phone",
        first_name="Ana",
        email="ana@example.org",
        phone="555 010 3000",
        timezone="America/Los_Angeles",
        client_reference=intake.pk,
        client_summary=[["Goals", "Sleep through the night."]],
        now=NOW,
    )
    services.consultation_confirm(consultation_id=consultation.pk, now=NOW)
    # What went out at booking time is history; only what is still to be sent matters here.
    Notification.objects.filter(due_at__lte=NOW).update(status=Notification.Status.SENT)
    assert Notification.objects.filter(status="pending", kind__startswith="reminder_").exists()
    return consultation, raw


def assert_client_erased(consultation: Consultation, intake_id):
    assert not Intake.objects.filter(pk=intake_id).exists()
    consultation.refresh_from_db()
    assert consultation.client_first_name not in ("", "Ana")
    assert (consultation.client_email, consultation.client_phone) == ("", "")
    assert consultation.client_summary == []
    assert consultation.status == Consultation.Status.CANCELLED


def assert_nothing_more_reaches_them(frozen, consultation: Consultation):
    mail.outbox.clear()
    # Everything that would have been due up to the fit check.
    frozen.move_to(consultation.ends_at + dt.timedelta(days=1))
    notifications.notifications_sweep()
    assert [m for m in mail.outbox if "ana@example.org" in m.to] == []
    for message in mail.outbox:
        assert "Sleep through the night" not in message.body
        assert "555 010 3000" not in message.body
    assert not Notification.objects.filter(consultation=consultation, status="pending").exists()


def test_delete_my_data_from_the_results_link_removes_everything_personal(
    client, booked, intake_a, frozen
):
    consultation, raw = booked
    intake_id = intake_a[0].pk
    # The client was editing their answers in this browser: the draft holds them too.
    client.get(reverse("matching:edit", args=[raw, "contact"]))
    assert "ana@example.org" in str(client.session[DRAFT])
    manage = tokens.make_token(consultation, tokens.MANAGE)

    response = client.post(reverse("matching:delete", args=[raw]))

    assert response.status_code == 302
    assert DRAFT not in client.session and SENT not in client.session
    assert_client_erased(consultation, intake_id)
    assert traces(*PERSONAL) == []
    assert client.get(reverse("matching:results", args=[raw])).status_code == 404
    assert client.get(reverse("consultations:manage", args=[manage])).status_code == 404
    assert_nothing_more_reaches_them(frozen, consultation)


def test_delete_my_data_from_the_manage_link_removes_everything_personal(
    client, booked, intake_a, frozen
):
    consultation, raw = booked
    intake_id = intake_a[0].pk
    manage = tokens.make_token(consultation, tokens.MANAGE)

    response = client.post(reverse("consultations:manage_delete", args=[manage]))

    assert response.status_code == 200
    assert_client_erased(consultation, intake_id)
    assert traces(*PERSONAL) == []
    assert client.get(reverse("consultations:manage", args=[manage])).status_code == 404
    assert client.get(reverse("matching:results", args=[raw])).status_code == 404
    assert_nothing_more_reaches_them(frozen, consultation)


def test_the_clinician_is_told_of_the_cancellation_without_the_clients_details(
    client, booked, frozen
):
    consultation, _raw = booked
    mail.outbox.clear()

    client.post(
        reverse("consultations:manage_delete", args=[tokens.make_token(consultation, "manage")])
    )
    notifications.notifications_sweep()

    to_clinician = [m for m in mail.outbox if consultation.clinician.email in m.to]
    assert len(to_clinician) == 1
    for needle in PERSONAL:
        assert needle not in to_clinician[0].body
        assert needle not in to_clinician[0].subject


def test_delete_my_data_also_forgets_the_sent_link_in_this_browser(client, frozen):
    fill_intake(client)
    results = client.post(reverse("matching:review"))["Location"]
    raw = results.rstrip("/").split("/")[-1]

    client.post(reverse("matching:delete", args=[raw]))

    assert Intake.objects.count() == 0
    assert SENT not in client.session and DRAFT not in client.session
    assert traces("ana@example.org", "Since the accident I avoid driving") == []


def test_the_purge_removes_unbooked_intakes_past_retention(frozen, settings):
    old, _raw = intake_submit(
        answers={**EXPECTED_ANSWERS, "email": "old@example.org"},
        now=NOW - dt.timedelta(days=settings.INTAKE_RETENTION_DAYS, minutes=1),
    )
    recent, _raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW - dt.timedelta(days=1))

    assert intake_purge(now=NOW) == 1

    assert not Intake.objects.filter(pk=old.pk).exists()
    assert Intake.objects.filter(pk=recent.pk).exists()
    assert traces("old@example.org") == []


def test_the_purge_task_runs_the_purge(frozen, settings):
    intake_submit(
        answers={**EXPECTED_ANSWERS, "email": "old@example.org"},
        now=timezone.now() - dt.timedelta(days=settings.INTAKE_RETENTION_DAYS + 1),
    )

    assert purge_intakes() == 1

    assert traces("old@example.org") == []


def test_the_purge_keeps_an_intake_that_led_to_a_booking(booked, intake_a, frozen, settings):
    frozen.shift(dt.timedelta(days=settings.INTAKE_RETENTION_DAYS + 1))

    intake_purge(now=timezone.now())

    assert Intake.objects.filter(pk=intake_a[0].pk).exists()


def test_a_flagged_intakes_safety_email_carries_no_answers(frozen):
    answers = {**EXPECTED_ANSWERS, "safety": "nearly every day"}
    intake, _raw = intake_submit(answers=answers, now=NOW)
    mail.outbox.clear()

    notifications.notifications_sweep()

    # The client gets their results link (no answers either: tests/matching/
    # test_results_link_email.py); the practice gets one email about the flag.
    to_practice = [m for m in mail.outbox if m.to != ["ana@example.org"]]
    assert len(to_practice) == 1
    message = to_practice[0]
    for needle in ("ana@example.org", "Sleep through the night", "nearly every day"):
        assert needle not in message.body and needle not in message.subject
