import datetime as dt

import pytest
import vobject
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


# An independent reader (vobject, not the icalendar package that writes them), and the
# properties RFC 5546 requires of a REQUEST and a CANCEL: METHOD, ORGANIZER, ATTENDEE, UID,
# SEQUENCE and DTSTAMP.


def read(data: bytes):
    calendar = vobject.readOne(data.decode("utf-8"), validate=True)
    (event,) = calendar.vevent_list
    return calendar, event


def mailto(prop) -> str:
    assert prop.value.lower().startswith("mailto:")
    return prop.value[len("mailto:") :]


@pytest.mark.parametrize("for_clinician", [False, True], ids=["client", "clinician"])
def test_invites_name_the_practice_as_organizer_and_the_recipient_as_attendee(
    clinician, frozen, settings, for_clinician
):
    settings.DEFAULT_FROM_EMAIL = "Alliance Counseling Group <hello@alliance.example.org>"
    consultation = ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9,
        status="confirmed",
        confirmed_at=NOW,
        client_first_name="Zoë",
        client_email="zoe@example.org",
        client_timezone="Europe/Paris",
    )
    recipient = clinician.email if for_clinician else "zoe@example.org"
    name = clinician.full_name if for_clinician else "Zoë"

    calendar, event = read(consultation_ics(consultation, for_clinician=for_clinician))
    assert calendar.method.value == "REQUEST"
    assert calendar.version.value == "2.0"
    assert mailto(event.organizer) == "hello@alliance.example.org"
    assert event.organizer.params["CN"] == ["Alliance Counseling Group"]
    (attendee,) = event.attendee_list
    assert mailto(attendee) == recipient
    assert attendee.params["CN"] == [name]
    assert attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert event.uid.value == f"{consultation.public_id}@127.0.0.1"
    assert event.sequence.value == "0"
    # DTSTAMP is a UTC date-time (RFC 5545 3.8.7.2); DTSTART carries its zone's VTIMEZONE.
    assert event.dtstamp.value == NOW
    assert event.dtstamp.value.utcoffset() == dt.timedelta(0)
    assert event.dtstart.value == MONDAY_9
    assert event.dtend.value == MONDAY_9 + dt.timedelta(minutes=15)
    assert event.summary.value
    zone = "America/New_York" if for_clinician else "Europe/Paris"
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == [zone]


def test_a_cancellation_keeps_the_uid_raises_the_sequence_and_names_both_sides(clinician, frozen):
    consultation = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9, client_email="zoe@example.org"
    )
    services.consultation_confirm(consultation_id=consultation.pk, now=NOW)
    _cal, request = read(consultation_ics(consultation, for_clinician=False))

    cancelled = services.consultation_cancel(consultation_id=consultation.pk, now=NOW)

    calendar, event = read(consultation_ics(cancelled, for_clinician=False))
    assert calendar.method.value == "CANCEL"
    assert event.status.value == "CANCELLED"
    assert event.uid.value == request.uid.value
    assert int(event.sequence.value) > int(request.sequence.value)
    assert mailto(event.organizer) == mailto(request.organizer)
    assert [mailto(a) for a in event.attendee_list] == ["zoe@example.org"]
    assert event.dtstamp.value == NOW


def test_the_video_room_is_in_a_confirmed_invite_and_never_a_requests(clinician):
    clinician.video_url = "https://meet.example.org/maya-chen"
    clinician.save()
    confirmed = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    requested = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(hours=1))

    for for_clinician in (False, True):
        _calendar, event = read(consultation_ics(confirmed, for_clinician=for_clinician))
        assert event.location.value == "https://meet.example.org/maya-chen"
        assert event.url.value == "https://meet.example.org/maya-chen"
        assert "https://meet.example.org/maya-chen" in event.description.value
        data = consultation_ics(requested, for_clinician=for_clinician)
        assert b"meet.example.org" not in data
        _calendar, event = read(data)
        assert event.description.value == "Video: the link will be sent before the consultation."
        assert not hasattr(event, "url")


def test_a_plain_http_video_room_stored_before_the_rule_is_never_sent(clinician):
    # Written around the admin's check, as a link saved before https was required.
    type(clinician).objects.filter(pk=clinician.pk).update(video_url="http://meet.example.org/m")
    clinician.refresh_from_db()
    confirmed = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")

    for for_clinician in (False, True):
        data = consultation_ics(confirmed, for_clinician=for_clinician)
        assert b"meet.example.org" not in data
        _calendar, event = read(data)
        assert not hasattr(event, "url")
