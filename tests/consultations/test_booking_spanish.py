"""A booking from the Spanish site: the consultation keeps the client's language, and every
email about it (sent by the worker, long after the request) is written in it, with links to
the Spanish pages; the clinician's stay in English and say which language the client used."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from consultations import notifications, services
from consultations.models import Consultation

from .conftest import MONDAY_9
from .factories import make_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(client, clinician, frozen, monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    _intake, raw = make_intake()
    with translation.override("es"):
        path = reverse("matching:book", args=[raw, clinician.slug])
    response = client.post(
        path,
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "phone": "",
            "format": "video",
            "start": MONDAY_9.isoformat(),
        },
    )
    assert response.status_code == 200
    assert b'<html lang="es">' in response.content
    assert b"/es/consultations/manage/" in response.content
    translation.deactivate()  # the worker's thread knows nothing of the client's request
    return Consultation.objects.get()


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_the_consultation_keeps_the_language_it_was_booked_in(booked):
    assert booked.client_language == "es"


def test_the_clients_emails_are_spanish_with_spanish_links_the_clinicians_english(booked):
    notifications.notifications_sweep(now=timezone.now())
    (to_client,) = sent_to("ana@example.org")
    (to_clinician,) = sent_to(booked.clinician.email)
    html, _mimetype = to_client.alternatives[0]
    assert '<html lang="es">' in html
    assert "/es/consultations/manage/" in to_client.body
    clinician_html, _mimetype = to_clinician.alternatives[0]
    assert '<html lang="en">' in clinician_html
    assert "They used the site in Spanish." in to_clinician.body
    assert "/es/" not in to_clinician.body


def test_an_english_booking_mentions_no_language_to_the_clinician(client, clinician, frozen):
    _intake, raw = make_intake()
    consultation = services.consultation_book(
        clinician_id=clinician.pk,
        starts_at=MONDAY_9,
        format="video",
        first_name="Ana",
        email="ana@example.org",
        timezone="America/New_York",
        client_reference=_intake.id,
        client_summary=[],
    )
    assert consultation.client_language == "en"
    notifications.notifications_sweep(now=timezone.now())
    (to_clinician,) = sent_to(clinician.email)
    assert "used the site in" not in to_clinician.body
    (to_client,) = sent_to("ana@example.org")
    assert "/es/" not in to_client.body


def test_the_portal_shows_the_clients_language(booked, client):
    client.force_login(booked.clinician.user)
    page = client.get(reverse("consultations:portal")).content.decode()
    assert "Uses the site in Spanish" in page
    assert '<html lang="en">' in page


def test_the_clinician_reads_the_intake_summary_in_english(booked):
    labels = [label for label, _value in booked.client_summary]
    assert "Concerns (most important first)" in labels
