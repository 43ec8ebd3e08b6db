"""The clinician's calendar feed, read as a calendar app reads it: with vobject, a parser
independent of the icalendar package that writes it."""

import datetime as dt
import logging

import pytest
import time_machine
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.logging import DropRequestData, JsonFormatter
from consultations import services
from consultations.ics import consultation_ics, consultation_uid
from consultations.models import CalendarFeed, Consultation
from tests.clinicians.factories import ClinicianFactory

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db
Status = Consultation.Status
ROOM = "https://meet.example.org/maya-chen"
ANSWER = "Zanzibar-lighthouse-panic-7731"


def feed_path(token: str) -> str:
    return reverse("consultations:calendar_feed", args=[token])


def read(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(response.content.decode("utf-8"), validate=True)


def events(calendar) -> dict[str, object]:
    return {event.uid.value: event for event in getattr(calendar, "vevent_list", [])}


@pytest.fixture
def maya(clinician):
    clinician.video_url = ROOM
    clinician.save()
    return clinician


@pytest.fixture
def token(maya, frozen):
    return services.calendar_feed_renew(clinician_id=maya.pk)


def consultation(clinician, status, start, **fields):
    return ConsultationFactory(
        clinician=clinician,
        status=status,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        confirmed_at=NOW if status != Status.REQUESTED else None,
        client_summary=[["Goals", ANSWER]],
        client_phone="555 010 3000",
        client_email="ana.private@example.org",
        **fields,
    )


def test_a_calendar_reads_requests_and_consultations_and_nothing_else(
    client, maya, token, other_clinician
):
    confirmed = consultation(maya, Status.CONFIRMED, MONDAY_9, client_first_name="Zoë")
    requested = consultation(
        maya, Status.REQUESTED, MONDAY_9 + dt.timedelta(hours=1), format="phone"
    )
    completed = consultation(maya, Status.COMPLETED, NOW - dt.timedelta(days=3))
    for status in (Status.CANCELLED, Status.DECLINED, Status.EXPIRED):
        consultation(maya, status, MONDAY_9 + dt.timedelta(hours=2))
    consultation(maya, Status.COMPLETED, NOW - dt.timedelta(days=40))  # long past
    consultation(other_clinician, Status.CONFIRMED, MONDAY_9)

    with time_machine.travel(NOW, tick=False):
        response = client.get(feed_path(token))
    calendar = read(response)

    assert calendar.method.value == "PUBLISH"
    assert "X-PUBLISHED-TTL:PT15M" in response.content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in response.content.decode()
    assert calendar.contents["x-wr-calname"][0].value == "Alliance Counseling Group consultations"
    found = events(calendar)
    assert set(found) == {consultation_uid(c) for c in (confirmed, requested, completed)}

    event = found[consultation_uid(confirmed)]
    assert event.summary.value == "Free consultation: Zoë (video)"
    assert event.status.value == "CONFIRMED"
    assert event.location.value == ROOM
    assert event.url.value == ROOM
    assert event.sequence.value == "0"
    # In the clinician's own zone, with the time zone's definition alongside.
    assert event.dtstart.value == MONDAY_9
    assert "DTSTART;TZID=America/New_York:20260302T090000" in response.content.decode()
    assert calendar.vtimezone.tzid.value == "America/New_York"
    assert not hasattr(event, "attendee") and not hasattr(event, "organizer")

    waiting = found[consultation_uid(requested)]
    assert waiting.status.value == "TENTATIVE"
    assert waiting.summary.value == "Request: Ana (phone), not confirmed yet"
    # A request may be declined: the video room is never part of it.
    assert ROOM not in waiting.serialize()


def test_the_uid_is_the_one_the_emailed_invite_carries(client, maya, token):
    confirmed = consultation(maya, Status.CONFIRMED, MONDAY_9)
    invite = vobject.readOne(consultation_ics(confirmed, for_clinician=True).decode())

    with time_machine.travel(NOW, tick=False):
        (event,) = events(read(client.get(feed_path(token)))).values()

    assert event.uid.value == invite.vevent.uid.value


def test_it_follows_confirmations_moves_and_cancellations(client, maya, token, frozen):
    requested = consultation(maya, Status.REQUESTED, MONDAY_9)
    uid = consultation_uid(requested)

    def event():
        return events(read(client.get(feed_path(token)))).get(uid)

    assert event().status.value == "TENTATIVE"
    services.consultation_confirm(consultation_id=requested.pk, now=NOW)
    assert event().status.value == "CONFIRMED"
    assert event().location.value == ROOM
    services.consultation_reschedule(
        consultation_id=requested.pk, new_start=MONDAY_9 + dt.timedelta(hours=2), now=NOW
    )
    moved = event()
    assert moved.dtstart.value == MONDAY_9 + dt.timedelta(hours=2)
    assert moved.sequence.value == "1"
    services.consultation_cancel(consultation_id=requested.pk, now=NOW)
    # Gone from the feed, so subscribed calendars drop it.
    assert event() is None


def test_the_feed_carries_no_answers_phone_or_address(client, maya, token):
    consultation(maya, Status.CONFIRMED, MONDAY_9, format="phone")
    consultation(maya, Status.REQUESTED, MONDAY_9 + dt.timedelta(hours=1))

    with time_machine.travel(NOW, tick=False):
        body = client.get(feed_path(token)).content.decode()

    assert body.count("BEGIN:VEVENT") == 2
    for private in (ANSWER, "Goals", "555 010 3000", "ana.private@example.org"):
        assert private not in body


def test_a_deleted_clients_consultation_shows_no_name(client, maya, token, frozen):
    booked = consultation(maya, Status.CONFIRMED, MONDAY_9, client_first_name="Zoë")
    Consultation.objects.filter(pk=booked.pk).update(client_first_name="—")

    (event,) = events(read(client.get(feed_path(token)))).values()

    assert event.summary.value == "Free consultation: a client (video)"


def test_it_answers_the_same_404_to_every_link_that_opens_nothing(
    client, maya, other_clinician, frozen
):
    replaced = services.calendar_feed_renew(clinician_id=maya.pk)
    current = services.calendar_feed_renew(clinician_id=maya.pk)
    revoked = services.calendar_feed_renew(clinician_id=other_clinician.pk)
    services.calendar_feed_revoke(clinician_id=other_clinician.pk)
    inactive_clinician = ClinicianFactory()
    inactive = services.calendar_feed_renew(clinician_id=inactive_clinician.pk)
    inactive_clinician.is_active = False
    inactive_clinician.save()

    answers = [
        client.get(feed_path(link))
        for link in (replaced, revoked, inactive, "garbage", "x" * 200, current[:-1])
    ]

    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    assert client.get(feed_path(current)).status_code == 200


def test_each_link_opens_only_its_own_clinicians_feed(client, maya, other_clinician, frozen):
    mine = consultation(maya, Status.CONFIRMED, MONDAY_9)
    theirs = consultation(other_clinician, Status.CONFIRMED, MONDAY_9)
    maya_link = services.calendar_feed_renew(clinician_id=maya.pk)
    other_link = services.calendar_feed_renew(clinician_id=other_clinician.pk)

    assert set(events(read(client.get(feed_path(maya_link))))) == {consultation_uid(mine)}
    assert set(events(read(client.get(feed_path(other_link))))) == {consultation_uid(theirs)}


def test_it_stores_only_a_hash_of_the_link(maya, frozen):
    token = services.calendar_feed_renew(clinician_id=maya.pk)

    feed = CalendarFeed.objects.get(clinician=maya)
    assert len(token) >= 43  # 256 random bits
    assert token not in feed.token_hash
    assert feed.token_hash == __import__("hashlib").sha256(token.encode()).hexdigest()


def test_it_is_private_and_cheap_to_read_again(client, maya, token):
    booked = consultation(maya, Status.CONFIRMED, MONDAY_9)
    with time_machine.travel(NOW, tick=False):
        first = client.get(feed_path(token))
    # Later, with nothing changed: the same feed, so "not modified".
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        again = client.get(feed_path(token), headers={"if-none-match": first["ETag"]})
        services.consultation_cancel(consultation_id=booked.pk)
        changed = client.get(feed_path(token), headers={"if-none-match": first["ETag"]})

    cache_control = {part.strip() for part in first["Cache-Control"].split(",")}
    assert cache_control == {"private", "max-age=300"}
    assert again.status_code == 304
    assert again.content == b""
    assert changed.status_code == 200
    assert "BEGIN:VEVENT" not in changed.content.decode()


def test_it_notes_when_a_calendar_last_read_it(client, maya, token):
    with time_machine.travel(NOW, tick=False):
        client.get(feed_path(token))
    assert CalendarFeed.objects.get(clinician=maya).last_read_at == NOW
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        client.get(feed_path(token))
    assert CalendarFeed.objects.get(clinician=maya).last_read_at == NOW
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        client.get(feed_path(token))
    assert CalendarFeed.objects.get(clinician=maya).last_read_at == NOW + dt.timedelta(minutes=2)


def test_it_limits_how_often_one_link_is_read(client, maya, token, frozen):
    answers = [client.get(feed_path(token)).status_code for _ in range(61)]

    assert answers[:60] == [200] * 60
    assert answers[60] == 429


def test_it_reads_the_same_number_of_queries_however_many_events(client, maya, token):
    def queries_for_a_feed_of(count: int) -> int:
        start = MONDAY_9 + dt.timedelta(days=7 * count)
        for i in range(count):
            consultation(
                maya,
                (Status.CONFIRMED, Status.REQUESTED)[i % 2],
                start + dt.timedelta(hours=i),
                format=("video", "phone")[i // 2 % 2],
            )
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            body = client.get(feed_path(token)).content.decode()
        assert body.count("BEGIN:VEVENT") == count
        Consultation.objects.filter(clinician=maya).delete()
        return len(queries)

    assert queries_for_a_feed_of(2) == queries_for_a_feed_of(12)


def test_it_only_answers_reads(client, token):
    assert client.post(feed_path(token)).status_code == 405


def test_the_link_never_reaches_a_log_line(client, maya, token, caplog):
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(NOW, tick=False):
        client.get(feed_path(token))
        client.get(feed_path(token + "x"))
        client.post(feed_path(token))
    formatter = JsonFormatter()
    lines = []
    for record in caplog.records:
        DropRequestData().filter(record)
        lines.append(formatter.format(record))
    assert any("consultations:calendar_feed" in line for line in lines)
    assert all(token not in line for line in lines)
