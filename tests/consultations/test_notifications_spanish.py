"""Every kind of email a client can receive, written in Spanish for a client who used the
Spanish site: the kinds come from consultations/messages.py, so a kind added there must be
added to EVERY_MESSAGE (test_notifications_messages.py) and is then checked here too."""

import re

import pytest
import time_machine
from django.utils import translation

from consultations.messages import (
    CLIENT_RECIPIENTS,
    MESSAGES,
    Kind,
    build_message,
    message_for,
)
from consultations.models import Notification
from tests.clinicians.factories import ClinicianFactory

from . import test_notifications_messages as messages_test
from .test_notifications_messages import EVERY_MESSAGE, NOW, PRACTICE, calendar, html, message_row

consultation = messages_test.consultation  # the fixture

pytestmark = pytest.mark.django_db
# The waiting list's emails are made by its own service (and checked in test_waitlist.py).
WAITLIST = {Kind.WAITLIST_JOINED, Kind.WAITLIST_OFFER}


def client_kind(stored) -> bool:
    return MESSAGES[Kind.of(str(stored))].recipient in CLIENT_RECIPIENTS


CLIENT_MESSAGES = [m for m in EVERY_MESSAGE if client_kind(m[0])]
SITE = "http://127.0.0.1:8000"


def test_every_kind_of_email_to_a_client_is_checked_in_spanish():
    to_clients = {
        kind for kind, message in MESSAGES.items() if message.recipient in CLIENT_RECIPIENTS
    }
    checked = {Kind.of(str(stored)) for stored, *_rest in CLIENT_MESSAGES} | WAITLIST
    assert to_clients and to_clients <= checked, to_clients - checked


def _english_sentences(text: str) -> list[str]:
    """The English email's own words: lines of at least four words, without the names, times,
    links and practice details every language shares."""
    shared = ["http", "@", "Zoë", "Maya", "Okafor", "I'm away", *PRACTICE]
    return [
        line.strip()
        for line in text.splitlines()
        if len(line.split()) >= 4 and not any(s in line for s in shared)
    ]


@pytest.mark.parametrize(
    ("kind", "status", "essentials", "link"), CLIENT_MESSAGES, ids=[m[0] for m in CLIENT_MESSAGES]
)
def test_a_spanish_clients_email_is_in_spanish(consultation, kind, status, essentials, link):
    with time_machine.travel(NOW, tick=False):
        english_row, _link = message_row(consultation, kind, status, link, language="en")
        english = build_message(english_row)
        Notification.objects.all().delete()
        row, _link = message_row(consultation, kind, status, link, language="es")
        # The worker renders it with nothing of the client's request active.
        translation.deactivate()
        spanish = build_message(row)

    assert message_for(row).recipient in CLIENT_RECIPIENTS
    assert spanish.subject != english.subject
    body, page = spanish.body, html(spanish)
    assert '<html lang="es">' in page
    # Not one sentence of the English email is left.
    for sentence in _english_sentences(english.body):
        assert sentence not in body, sentence
    # Times read in Spanish (the consultation, or the link's expiry, is in December).
    if "December" in english.body:
        assert "diciembre" in body
    assert not re.search(r"\b(Monday|Tuesday|December|PM|AM)\b", body)
    # Every link into the site opens the Spanish page.
    links = re.findall(re.escape(SITE) + r"(/[^\s\"<]*)", body + page)
    assert links and all(path.startswith("/es/") for path in links), links
    for part in spanish.attachments:
        if getattr(part, "get_content_type", lambda: "")() == "text/calendar":
            _method, content = calendar(spanish)
            assert "SUMMARY:Consulta gratuita con" in content


@pytest.mark.parametrize("kind", sorted(WAITLIST))
def test_a_spanish_clients_waiting_list_emails_are_in_spanish(kind, monkeypatch):
    """Joining from the Spanish results page: the joining email, and the offer of the time that
    is open at once, are written in Spanish."""
    from consultations import waitlist
    from tests.consultations.test_waitlist import NOW as WAITLIST_NOW
    from tests.consultations.test_waitlist import join

    from .factories import booking_settings

    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    with time_machine.travel(WAITLIST_NOW, tick=False):
        booking_settings(horizon_days=3)
        clinician = ClinicianFactory(
            first_name="Maya", last_name="Chen", hours=[(0, "09:00", "09:15")]
        )
        entry = join(clinician, 80, language="es")
        assert entry.language == "es"
        # The worker's pass offers the open time to the waiting list.
        waitlist.waitlist_offer_pass(clinician_id=clinician.pk, now=WAITLIST_NOW)
        row = Notification.objects.get(intake_reference=entry.client_reference, kind=kind)
        assert row.payload["language"] == "es"
        spanish = build_message(row)
        row.payload = {**row.payload, "language": "en"}
        english = build_message(row)

    assert spanish.subject != english.subject
    body, page = spanish.body, html(spanish)
    assert '<html lang="es">' in page
    for sentence in _english_sentences(english.body):
        assert sentence not in body, sentence
    assert not re.search(r"\b(Monday|Tuesday|Sunday|March|PM|AM)\b", body)
    links = re.findall(re.escape(SITE) + r"(/[^\s\"<]*)", body + page)
    assert links and all(path.startswith("/es/") for path in links), links
