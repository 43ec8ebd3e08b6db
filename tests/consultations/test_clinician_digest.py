"""A clinician's daily summary of tomorrow's consultations: at the time they chose, in their own
zone, once a day, with first names, times and formats only."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from consultations import notifications as n
from consultations.messages import Kind
from consultations.models import Consultation, Notification, NotificationPreferences
from consultations.tasks import record_digests

from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status
CStatus = Consultation.Status
ANSWER = "Quetzal-Marmalade-Lighthouse-4471"
# Tuesday 3 March 2026 in Chicago (UTC-6): 18:00 there is 00:00 UTC on the 4th.
TUESDAY_18_CHICAGO = dt.datetime(2026, 3, 4, 0, 0, tzinfo=dt.UTC)
WEDNESDAY_9_CHICAGO = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)


@pytest.fixture
def maya(clinician):
    clinician.timezone = "America/Chicago"
    clinician.save()
    NotificationPreferences.objects.create(
        clinician=clinician, digest=True, digest_time=dt.time(18, 0)
    )
    return clinician


def booked(clinician, start, status=CStatus.CONFIRMED, **fields):
    return ConsultationFactory(
        clinician=clinician,
        status=status,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        client_summary=[["Goals", ANSWER]],
        client_phone="555 010 3000",
        **fields,
    )


def run(at: dt.datetime) -> list:
    """The beat's two tasks at `at`: record the summaries due, then send what is due."""
    before = len(mail.outbox)
    with time_machine.travel(at, tick=False):
        record_digests()
        n.notifications_sweep(now=at)
    return [m for m in mail.outbox[before:] if m.subject == "Your consultations tomorrow"]


def test_it_sends_tomorrows_consultations_at_the_chosen_time_in_the_clinicians_zone(
    maya, other_clinician
):
    booked(maya, WEDNESDAY_9_CHICAGO, client_first_name="Zoë")
    booked(
        maya,
        WEDNESDAY_9_CHICAGO + dt.timedelta(hours=2),
        status=CStatus.REQUESTED,
        client_first_name="Ben",
        format="phone",
    )
    booked(maya, WEDNESDAY_9_CHICAGO + dt.timedelta(hours=3), status=CStatus.CANCELLED)
    booked(maya, WEDNESDAY_9_CHICAGO + dt.timedelta(days=1))  # the day after
    booked(other_clinician, WEDNESDAY_9_CHICAGO, client_first_name="Omar's client")

    assert run(TUESDAY_18_CHICAGO - dt.timedelta(minutes=1)) == []
    (summary,) = run(TUESDAY_18_CHICAGO)

    assert summary.to == [maya.email]
    (html, _mimetype), *_ = summary.alternatives
    for body in (summary.body, html):
        assert "Tomorrow, Wednesday 4 March 2026" in body
        assert "Central Time (Chicago)" in body
        assert "9:00 AM" in body and "Zoë, video" in body
        assert "11:00 AM" in body and "Ben, phone (you call them)" in body
        assert "1 request is still waiting for your answer" in body
        assert "/consultations/portal/" in body and "/consultations/portal/emails/" in body
        assert "Omar's client" not in body and "12:00 PM" not in body
        for private in (ANSWER, "Goals", "555 010 3000", "@example.org"):
            assert private not in body
    assert summary.body.index("Zoë") < summary.body.index("Ben")


def test_it_comes_once_a_day_however_often_the_beat_runs(maya):
    booked(maya, WEDNESDAY_9_CHICAGO)
    booked(maya, WEDNESDAY_9_CHICAGO + dt.timedelta(days=1))

    assert len(run(TUESDAY_18_CHICAGO)) == 1
    for minutes in (1, 2, 60, 5 * 60):
        assert run(TUESDAY_18_CHICAGO + dt.timedelta(minutes=minutes)) == []
    # Twice in the same minute, as two beats would.
    with time_machine.travel(TUESDAY_18_CHICAGO + dt.timedelta(minutes=3), tick=False):
        assert n.clinician_digests_record() == 0
        assert n.clinician_digests_record() == 0
    assert len(run(TUESDAY_18_CHICAGO + dt.timedelta(days=1))) == 1
    assert Notification.objects.filter(kind=Kind.CLINICIAN_DIGEST).count() == 2


def test_it_keeps_the_clinicians_wall_clock_time_across_daylight_saving(clinician):
    # New York moves to daylight time on Sunday 8 March 2026.
    NotificationPreferences.objects.create(
        clinician=clinician, digest=True, digest_time=dt.time(18)
    )
    sunday_9 = dt.datetime(2026, 3, 8, 13, tzinfo=dt.UTC)  # 09:00 EDT
    monday_9 = dt.datetime(2026, 3, 9, 13, tzinfo=dt.UTC)
    booked(clinician, sunday_9)
    booked(clinician, monday_9)

    # Saturday 18:00 EST is 23:00 UTC; Sunday 18:00 EDT is 22:00 UTC.
    assert run(dt.datetime(2026, 3, 7, 22, 59, tzinfo=dt.UTC)) == []
    (saturday,) = run(dt.datetime(2026, 3, 7, 23, 0, tzinfo=dt.UTC))
    assert "Tomorrow, Sunday 8 March 2026" in saturday.body
    assert run(dt.datetime(2026, 3, 8, 21, 59, tzinfo=dt.UTC)) == []
    (sunday,) = run(dt.datetime(2026, 3, 8, 22, 0, tzinfo=dt.UTC))
    assert "Tomorrow, Monday 9 March 2026" in sunday.body
    assert "9:00 AM" in sunday.body


def test_its_heading_names_the_day_then_the_zone_in_plain_words(maya):
    booked(maya, WEDNESDAY_9_CHICAGO, client_first_name="Zoë")

    (summary,) = run(TUESDAY_18_CHICAGO)

    heading = "Tomorrow, Wednesday 4 March 2026, in Central Time (Chicago)"
    assert f"{heading}:\n" in summary.body
    (html, _mimetype), *_ = summary.alternatives
    (html_heading,) = re.findall(r"<p><strong>Tomorrow,.*?</p>", html)
    assert re.sub(r"<[^>]+>", "", html_heading) == heading
    # The zone's city is the one bracket: never "(Wednesday …) (Central Time (Chicago))".
    for body in (summary.body, html):
        assert "((" not in body and "))" not in body


def test_daylight_saving_follows_the_clinicians_zone_not_the_practices(settings, clinician):
    # The practice in Phoenix (no daylight saving); the clinician in Los Angeles, which moves
    # to daylight time on Sunday 8 March 2026: 18:00 there is 02:00 UTC, then 01:00 UTC.
    settings.PRACTICE_TIME_ZONE = "America/Phoenix"
    clinician.timezone = "America/Los_Angeles"
    clinician.save()
    NotificationPreferences.objects.create(
        clinician=clinician, digest=True, digest_time=dt.time(18)
    )
    # Clocks move at 02:00 on Sunday: 09:00 that day and the next is already daylight time.
    sunday_9 = dt.datetime(2026, 3, 8, 16, tzinfo=dt.UTC)
    monday_9 = dt.datetime(2026, 3, 9, 16, tzinfo=dt.UTC)
    booked(clinician, sunday_9)
    booked(clinician, monday_9)

    assert run(dt.datetime(2026, 3, 8, 1, 59, tzinfo=dt.UTC)) == []
    (saturday,) = run(dt.datetime(2026, 3, 8, 2, 0, tzinfo=dt.UTC))
    assert "Tomorrow, Sunday 8 March 2026, in Pacific Time (Los Angeles)" in saturday.body
    assert "9:00 AM" in saturday.body
    assert run(dt.datetime(2026, 3, 9, 0, 59, tzinfo=dt.UTC)) == []
    (sunday,) = run(dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC))
    assert "Tomorrow, Monday 9 March 2026, in Pacific Time (Los Angeles)" in sunday.body
    assert "9:00 AM" in sunday.body


def test_a_day_with_nothing_booked_sends_nothing(maya):
    assert run(TUESDAY_18_CHICAGO) == []
    row = Notification.objects.get(kind=Kind.CLINICIAN_DIGEST)
    assert (row.status, row.last_error) == (Status.CANCELLED, "Nothing is booked for that day.")


def test_it_reads_tomorrow_when_it_is_sent_not_when_it_was_recorded(maya):
    moved_away = booked(maya, WEDNESDAY_9_CHICAGO, client_first_name="Zoë")
    booked(maya, WEDNESDAY_9_CHICAGO + dt.timedelta(hours=1), client_first_name="Ben")
    with time_machine.travel(TUESDAY_18_CHICAGO, tick=False):
        n.clinician_digests_record()
    Consultation.objects.filter(pk=moved_away.pk).update(status=CStatus.CANCELLED)

    (summary,) = run(TUESDAY_18_CHICAGO + dt.timedelta(minutes=1))

    assert "Ben" in summary.body and "Zoë" not in summary.body


def test_nobody_gets_one_who_did_not_ask_turned_it_off_or_left(maya, other_clinician):
    for clinician in (maya, other_clinician):
        booked(clinician, WEDNESDAY_9_CHICAGO)
    inactive_prefs = NotificationPreferences.objects.create(
        clinician=other_clinician, digest=True, digest_time=dt.time(6)
    )
    other_clinician.is_active = False
    other_clinician.save()
    with time_machine.travel(TUESDAY_18_CHICAGO, tick=False):
        n.clinician_digests_record()
    NotificationPreferences.objects.filter(clinician=maya).update(digest=False)

    assert run(TUESDAY_18_CHICAGO + dt.timedelta(minutes=1)) == []
    (row,) = Notification.objects.filter(kind=Kind.CLINICIAN_DIGEST)
    assert (row.clinician, row.status) == (maya, Status.CANCELLED)
    assert row.last_error == "The clinician turned the daily summary off."
    inactive_prefs.refresh_from_db()
    assert inactive_prefs.digest_claimed_for is None


def test_a_summary_asked_for_after_todays_time_comes_at_the_next_run(maya):
    NotificationPreferences.objects.filter(clinician=maya).update(digest=False)
    booked(maya, WEDNESDAY_9_CHICAGO)
    assert run(TUESDAY_18_CHICAGO + dt.timedelta(hours=2)) == []
    NotificationPreferences.objects.filter(clinician=maya).update(digest=True)

    assert len(run(TUESDAY_18_CHICAGO + dt.timedelta(hours=2, minutes=1))) == 1
