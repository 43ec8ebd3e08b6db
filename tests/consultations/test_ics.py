import datetime as dt

import pytest
from icalendar import Calendar

from consultations import services
from consultations.ics import consultation_ics

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")[0]


def test_it_makes_an_invite_with_a_stable_uid_and_the_clients_zone(clinician):
    consultation = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9, status="confirmed", client_timezone="Europe/Paris"
    )
    calendar, event = parse(consultation_ics(consultation, for_clinician=False))
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{consultation.public_id}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start == MONDAY_9
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert (start.hour, start.minute) == (15, 0)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "anxiety" not in consultation_ics(consultation, for_clinician=False).decode()


def test_it_raises_the_sequence_on_reschedule_and_cancels_with_the_same_uid(clinician, frozen):
    consultation = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    _cal, before = parse(consultation_ics(consultation, for_clinician=True))
    moved = services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=MONDAY_9 + dt.timedelta(hours=1), now=NOW
    )
    _cal, after = parse(consultation_ics(moved, for_clinician=True))
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == 1
    assert str(after["DTSTART"].params["TZID"]) == "America/New_York"
    cancelled = services.consultation_cancel(consultation_id=consultation.pk)
    calendar, event = parse(consultation_ics(cancelled, for_clinician=True))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 2


def test_it_tells_the_clinician_how_to_call_and_leaves_out_the_intake(clinician):
    consultation = ConsultationFactory(
        clinician=clinician, format="phone", client_phone="555 010 3000", status="confirmed"
    )
    text = consultation_ics(consultation, for_clinician=True).decode()
    assert "555 010 3000" in text
    assert "Concerns" not in text and "anxiety" not in text
    client_text = consultation_ics(consultation, for_clinician=False).decode()
    assert "555 010 3000" not in client_text


def test_it_falls_back_to_the_practice_zone_for_an_unknown_zone(clinician):
    consultation = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9, status="confirmed", client_timezone="Nowhere/Land"
    )
    _calendar, event = parse(consultation_ics(consultation, for_clinician=False))
    assert str(event["DTSTART"].params["TZID"]) == "America/New_York"
    assert event.decoded("DTSTART") == MONDAY_9
