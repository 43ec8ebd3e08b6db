import datetime as dt
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultations import notifications as n
from consultations.messages import (
    Kind,
    alliance_low_kind,
    build_message,
    checkin_kind,
    reminder_kind,
)
from consultations.models import Consultation, Notification, NotificationPreferences
from consultations.tokens import (
    FIT_CHECK,
    MANAGE,
    checkin_url,
    consultation_from_token,
    fit_check_url,
    manage_url,
    next_match_url,
)
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# Sunday 1 December 2024, 10:00 in New York; the consultation is Tuesday 3 December, 4:00 PM.
NOW = dt.datetime(2024, 12, 1, 15, 0, tzinfo=UTC)
START = dt.datetime(2024, 12, 3, 21, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
PRIVATE = ["panic attacks", "insomnia", "Stop drinking before work", "Aetna", "safety"]


@pytest.fixture
def consultation(monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    with time_machine.travel(NOW, tick=False):
        yield ConsultationFactory(
            status=Consultation.Status.REQUESTED,
            starts_at=START,
            ends_at=START + dt.timedelta(minutes=15),
            format=Consultation.Format.VIDEO,
            client_first_name="Zoë",
            client_email="zoe@example.org",
            client_timezone="America/New_York",
            client_summary=[
                ["Concerns", "panic attacks, insomnia"],
                ["Goals", "Stop drinking before work"],
                ["Insurance", "Aetna"],
            ],
            clinician__first_name="Maya",
            clinician__last_name="Okafor",
            clinician__timezone="America/Chicago",
            clinician__video_url="https://video.example.org/maya",
        )


def send(consultation, event, *, at=NOW, **changes):
    for key, value in changes.items():
        setattr(consultation, key, value)
    consultation.save()
    with time_machine.travel(at, tick=False):
        n.consultation_notify(consultation=consultation, event=event)
        n.notifications_sweep(now=timezone.now())
    return {m.to[0]: m for m in mail.outbox}


def html(message) -> str:
    (body, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return body


def calendar(message):
    parts = [p for p in message.attachments if getattr(p, "get_content_type", None)]
    assert len(parts) == 1
    part = parts[0]
    assert part.get_content_type() == "text/calendar"
    return part.get_param("method"), part.get_payload(decode=True).decode()


def assert_private_details_absent(message):
    everything = message.message().as_string()
    for answer in PRIVATE:
        assert answer not in everything
        assert answer not in message.body
        assert answer not in html(message)


def assert_client_essentials(message, consultation, *, join_link=True):
    for body in (message.body, html(message)):
        assert "Zoë" in body
        assert "Tuesday 3 December 2024, 4:00 PM Eastern Time (New York)" in body
        assert "Maya Okafor" in body
        assert ("https://video.example.org/maya" in body) == join_link
        assert "Alliance Counseling Group" in body
        assert "(555) 010-2000" in body
    assert 'href="tel:+15550102000"' in html(message)
    manage_link = next(word for word in message.body.split() if "/consultations/manage/" in word)
    token = manage_link.rstrip("/").rsplit("/", 1)[1]
    assert consultation_from_token(token, MANAGE) == consultation
    assert manage_link in html(message)


def test_it_writes_the_client_and_clinician_when_a_request_comes_in(consultation):
    sent = send(consultation, "requested")

    client = sent["zoe@example.org"]
    assert client.subject == "Your consultation request for Tue 3 Dec, 4:00 PM"
    # The join link comes only with the confirmation: the request may still be declined.
    assert_client_essentials(client, consultation, join_link=False)
    assert_private_details_absent(client)
    assert client.attachments == []

    clinician = sent[consultation.clinician.email]
    assert clinician.subject == "New consultation request for Tue 3 Dec, 3:00 PM"
    for body in (clinician.body, html(clinician)):
        assert "Zoë" in body
        assert "Tuesday 3 December 2024, 3:00 PM Central Time (Chicago)" in body
        assert "http://127.0.0.1:8000/consultations/portal/" in body
        assert "zoe@example.org" not in body
    assert_private_details_absent(clinician)


def test_it_sends_the_confirmation_with_a_calendar_invite(consultation):
    sent = send(consultation, "confirmed", status=Consultation.Status.CONFIRMED, confirmed_at=NOW)

    client = sent["zoe@example.org"]
    assert client.subject == "Your consultation on Tue 3 Dec, 4:00 PM is confirmed"
    assert_client_essentials(client, consultation)
    assert_private_details_absent(client)
    method, ics = calendar(client)
    assert method == "REQUEST"
    assert "METHOD:REQUEST" in ics
    assert "DTSTART;TZID=America/New_York:20241203T160000" in ics
    row = _row(consultation, "client_confirmed")
    assert client.message()["Message-ID"] == f"<notification.{row}@127.0.0.1>"

    clinician = sent[consultation.clinician.email]
    assert clinician.subject == "New consultation on Tue 3 Dec, 3:00 PM"
    assert calendar(clinician)[0] == "REQUEST"
    assert_private_details_absent(clinician)


def test_it_sends_the_join_link_only_with_the_confirmation(consultation):
    requested = send(consultation, "requested")["zoe@example.org"]
    mail.outbox.clear()
    moved = START + dt.timedelta(hours=1)
    still_requested = send(
        consultation,
        "rescheduled",
        sequence=1,
        starts_at=moved,
        ends_at=moved + dt.timedelta(minutes=15),
    )["zoe@example.org"]
    mail.outbox.clear()
    confirmed = send(
        consultation, "confirmed", status=Consultation.Status.CONFIRMED, confirmed_at=NOW
    )["zoe@example.org"]

    for message in (requested, still_requested):
        assert "video.example.org" not in message.message().as_string()
        assert "The link comes with the confirmation." in message.body
        assert "The link comes with the confirmation." in html(message)
    assert "How to join: by video, at https://video.example.org/maya" in confirmed.body
    assert 'href="https://video.example.org/maya"' in html(confirmed)


def test_it_never_sends_a_plain_http_room_stored_before_the_rule(consultation):
    # Written around the admin's check, as a link saved before https was required.
    clinician = consultation.clinician
    type(clinician).objects.filter(pk=clinician.pk).update(video_url="http://video.example.org/m")
    consultation.clinician.refresh_from_db()
    confirmed = send(
        consultation, "confirmed", status=Consultation.Status.CONFIRMED, confirmed_at=NOW
    )
    for message in confirmed.values():
        assert "video.example.org" not in message.message().as_string()
    assert "will send you the link before the consultation" in confirmed["zoe@example.org"].body


def test_it_says_the_clinician_will_call_for_a_phone_consultation(consultation):
    sent = send(
        consultation,
        "confirmed",
        status=Consultation.Status.CONFIRMED,
        confirmed_at=NOW,
        format=Consultation.Format.PHONE,
        client_phone="555 010 7777",
    )

    client = sent["zoe@example.org"]
    for body in (client.body, html(client)):
        assert "Maya Okafor will call you at the number you gave us." in body
        assert "555 010 7777" not in body


def test_it_reminds_the_client_with_how_to_join(consultation):
    consultation.status = Consultation.Status.CONFIRMED
    consultation.confirmed_at = NOW
    send(consultation, "confirmed")
    mail.outbox.clear()

    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        n.notifications_sweep(now=timezone.now())

    (reminder,) = mail.outbox
    assert reminder.subject == "Reminder: your consultation on Tue 3 Dec, 4:00 PM"
    assert "is in 1 hour" in reminder.body
    assert "is in 1 hour" in html(reminder)
    assert_client_essentials(reminder, consultation)
    assert_private_details_absent(reminder)


def test_it_asks_for_the_fit_check_after_the_consultation(consultation):
    consultation.status = Consultation.Status.CONFIRMED
    consultation.confirmed_at = NOW
    send(consultation, "confirmed")
    mail.outbox.clear()

    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        n.notifications_sweep(now=timezone.now())

    (message,) = mail.outbox
    assert message.subject == "How did your consultation go?"
    link = next(word for word in message.body.split() if "/fit-check/" in word)
    assert consultation_from_token(link.rstrip("/").rsplit("/", 1)[1], FIT_CHECK) == consultation
    assert link in html(message)
    assert_private_details_absent(message)


@pytest.mark.parametrize(
    ("event", "status"),
    [("declined", Consultation.Status.DECLINED), ("expired", Consultation.Status.EXPIRED)],
)
def test_it_points_the_client_to_their_next_match_when_a_request_goes_nowhere(
    consultation, event, status
):
    sent = send(
        consultation,
        event,
        status=status,
        sequence=1,
        decline_message="I'm away that week, sorry.",
    )

    client = sent["zoe@example.org"]
    assert client.subject == "About your consultation request for Tue 3 Dec, 4:00 PM"
    for body in (client.body, html(client)):
        assert "/intake/next/" in body
        assert "Maya Okafor" in body
    note_shown = "away that week" in client.body
    assert note_shown == (event == "declined")
    assert_private_details_absent(client)
    assert consultation.clinician.email not in sent


def test_it_cancels_the_invite_on_both_sides(consultation):
    consultation.status = Consultation.Status.CONFIRMED
    consultation.confirmed_at = NOW
    send(consultation, "confirmed")
    mail.outbox.clear()

    sent = send(consultation, "cancelled", status=Consultation.Status.CANCELLED, sequence=1)

    client = sent["zoe@example.org"]
    assert client.subject == "Your consultation on Tue 3 Dec, 4:00 PM is cancelled"
    method, ics = calendar(client)
    assert method == "CANCEL"
    assert "SEQUENCE:1" in ics
    assert calendar(sent[consultation.clinician.email])[0] == "CANCEL"
    assert_private_details_absent(client)


@pytest.mark.parametrize("confirmed", [True, False])
def test_it_calls_a_client_who_deleted_their_data_the_client(consultation, confirmed):
    from consultations.services import consultation_erase

    if confirmed:
        consultation.status = Consultation.Status.CONFIRMED
        consultation.confirmed_at = NOW
        consultation.save()
    with time_machine.travel(NOW, tick=False):
        consultation_erase(consultation_id=consultation.pk)
        n.notifications_sweep(now=timezone.now())

    clinician = {m.to[0]: m for m in mail.outbox}[consultation.clinician.email]
    assert "cancelled" in clinician.subject
    for body in (clinician.body, html(clinician)):
        assert "consultation with the client on" in body
        assert "—" not in body and "Zoë" not in body


def test_it_links_a_cancelled_client_back_to_their_matches(consultation):
    sent = send(consultation, "cancelled", status=Consultation.Status.CANCELLED, sequence=1)

    client = sent["zoe@example.org"]
    link = next(word for word in client.body.split() if "/intake/next/" in word)
    assert link == next_match_url(consultation)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert consultation_from_token(token, FIT_CHECK) == consultation
    assert f'<a href="{link}"' in html(client)
    assert "See your matches" in html(client)
    assert "your matches are unchanged" in client.body


def test_it_sends_the_updated_invite_on_reschedule(consultation):
    consultation.status = Consultation.Status.CONFIRMED
    consultation.confirmed_at = NOW
    send(consultation, "confirmed")
    mail.outbox.clear()
    new_start = START + dt.timedelta(days=1, hours=1)

    sent = send(
        consultation,
        "rescheduled",
        sequence=1,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(minutes=15),
    )

    client = sent["zoe@example.org"]
    assert client.subject == "Your consultation is now on Wed 4 Dec, 5:00 PM"
    assert "Wednesday 4 December 2024, 5:00 PM Eastern Time (New York)" in client.body
    method, ics = calendar(client)
    assert method == "REQUEST"
    assert "SEQUENCE:1" in ics
    assert "20241204T170000" in ics
    clinician = sent[consultation.clinician.email]
    assert clinician.subject == "Consultation moved to Wed 4 Dec, 4:00 PM"
    assert_private_details_absent(client)
    assert_private_details_absent(clinician)


def test_it_tells_the_intake_address_about_a_safety_flag_without_answers(monkeypatch, settings):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    reference = uuid.uuid4()
    n.intake_safety_notify(intake_reference=reference)
    n.notifications_sweep(now=timezone.now())

    (message,) = mail.outbox
    assert message.to == [settings.PRACTICE_INTAKE_EMAIL]
    assert message.subject == "An intake needs a same-day call"
    # The call queue's entry: practice staff can act on it without the answers' permission.
    admin_link = f"http://127.0.0.1:8000/admin/matching/samedaycall/{reference}/change/"
    assert admin_link in message.body
    assert admin_link in html(message)
    for word in ("not at all", "several days", "nearly every day", "anxiety", "@example.org"):
        assert word not in message.body
        assert word not in html(message)


def _row(consultation, kind) -> int:
    return Notification.objects.get(consultation=consultation, kind=kind).pk


def test_it_builds_the_admin_link_from_the_site_url_and_the_admin_route(monkeypatch, settings):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    settings.SITE_URL = "https://care.example.org"
    reference = uuid.uuid4()
    n.intake_safety_notify(intake_reference=reference)
    n.notifications_sweep(now=timezone.now())

    (message,) = mail.outbox
    admin_link = "https://care.example.org" + reverse(
        "admin:matching_samedaycall_change", args=[reference]
    )
    assert admin_link in message.body
    assert admin_link in html(message)


Status = Consultation.Status
CLIENT_ESSENTIALS = [
    "Zoë",
    "Tuesday 3 December 2024, 4:00 PM Eastern Time (New York)",
    "Maya Okafor",
]
# The clinician reads their own zone (Chicago) and only the client's first name.
CLINICIAN_ESSENTIALS = ["Maya", "Zoë", "Tuesday 3 December 2024, 3:00 PM Central Time (Chicago)"]
PRACTICE = ["Alliance Counseling Group", "(555) 010-2000"]
PORTAL = "http://127.0.0.1:8000/consultations/portal/"
RESULTS = "http://127.0.0.1:8000/intake/r/the-secret-of-the-link/"
PROFILE = "http://127.0.0.1:8000/consultations/portal/profile/"


def results_payload(**changes):
    return {
        "to": "zoe@example.org",
        "first_name": "Zoë",
        "path": "/intake/r/the-secret-of-the-link/",
        "expires_at": (NOW + dt.timedelta(days=30)).isoformat(),
        "timezone": "America/New_York",
        **changes,
    }


# Every kind of message: (kind, the consultation's status then, what it must say, its link).
EVERY_MESSAGE = [
    (Kind.CLIENT_REQUEST_RECEIVED, Status.REQUESTED, CLIENT_ESSENTIALS, manage_url),
    (Kind.CLINICIAN_NEW_REQUEST, Status.REQUESTED, CLINICIAN_ESSENTIALS, PORTAL),
    (Kind.CLIENT_CONFIRMED, Status.CONFIRMED, CLIENT_ESSENTIALS, manage_url),
    (Kind.CLINICIAN_BOOKED, Status.CONFIRMED, CLINICIAN_ESSENTIALS, PORTAL),
    (Kind.CLIENT_DECLINED, Status.DECLINED, CLIENT_ESSENTIALS, next_match_url),
    (Kind.CLIENT_EXPIRED, Status.EXPIRED, CLIENT_ESSENTIALS, next_match_url),
    # Nothing left to manage: the way back is to their matches (and the practice's phone).
    (Kind.CLIENT_CANCELLED, Status.CANCELLED, CLIENT_ESSENTIALS, next_match_url),
    (Kind.CLINICIAN_CANCELLED, Status.CANCELLED, CLINICIAN_ESSENTIALS, PORTAL),
    (Kind.CLIENT_RESCHEDULED, Status.CONFIRMED, CLIENT_ESSENTIALS, manage_url),
    (Kind.CLINICIAN_RESCHEDULED, Status.CONFIRMED, CLINICIAN_ESSENTIALS, PORTAL),
    # Made Sunday 9:00 AM Chicago, the request expires 24 hours later.
    (
        Kind.CLINICIAN_REQUEST_WAITING,
        Status.REQUESTED,
        [*CLINICIAN_ESSENTIALS, "Monday 2 December 2024, 9:00 AM Central Time (Chicago)"],
        PORTAL,
    ),
    (reminder_kind(1440), Status.CONFIRMED, CLIENT_ESSENTIALS, manage_url),
    (reminder_kind(60), Status.CONFIRMED, CLIENT_ESSENTIALS, manage_url),
    (Kind.FIT_CHECK, Status.COMPLETED, CLIENT_ESSENTIALS, fit_check_url),
    (Kind.INTAKE_SAFETY, None, [], "admin"),
    (Kind.INTAKE_SAFETY_REMINDER, None, ["4 working hours"], "admin"),
    # The clinician's summary of tomorrow (Tuesday 3 December in Chicago), on Monday evening.
    (Kind.CLINICIAN_DIGEST, "clinician", ["Maya", "Zoë, video", "3:00 PM", "3 December"], PORTAL),
    # The client's own results link, the day their intake was sent.
    (Kind.INTAKE_RESULTS, "intake", ["Zoë", "30 days, until Tuesday 31 December 2024"], RESULTS),
    # Once therapy has started: the client's check-in, and the clinician's content-free notice.
    (
        checkin_kind(2),
        Status.COMPLETED,
        ["Zoë", "Maya Okafor", "about 2 weeks", "14 days"],
        lambda c: checkin_url(c, 2),
    ),
    (alliance_low_kind(2), Status.COMPLETED, ["Maya"], PORTAL),
    # To a clinician about their proposed profile changes: a link to the portal, nothing more.
    (Kind.PROFILE_APPROVED, "clinician", ["Hello Maya", "has approved the changes"], PROFILE),
    (Kind.PROFILE_RETURNED, "clinician", ["Hello Maya", "with a comment"], PROFILE),
]


def message_row(consultation, kind, status, link, *, language=None):
    """The saved row of one EVERY_MESSAGE entry, and the link its email must carry. With a
    `language`, the client's (the consultation's, or the results email's payload)."""
    if status == "clinician":
        NotificationPreferences.objects.create(clinician=consultation.clinician, digest=True)
        row = Notification(
            clinician=consultation.clinician,
            kind=kind,
            due_at=NOW,
            payload={"date": "2024-12-03"},
        )
        expected_link = link
    elif status == "intake":
        payload = results_payload()
        if language:
            # As a submission from the site in that language records it.
            prefix = "" if language == "en" else f"/{language}"
            payload.update(language=language, path=prefix + payload["path"])
        row = Notification(intake_reference=uuid.uuid4(), kind=kind, due_at=NOW, payload=payload)
        expected_link = link
    elif status is None:
        reference = uuid.uuid4()
        row = Notification(intake_reference=reference, kind=kind, due_at=NOW)
        expected_link = "http://127.0.0.1:8000" + reverse(
            "admin:matching_samedaycall_change", args=[reference]
        )
    else:
        consultation.status = status
        consultation.confirmed_at = None if status == Status.REQUESTED else NOW
        consultation.decline_message = "I'm away that week, sorry."
        if language:
            consultation.client_language = language
        consultation.save()
        row = Notification(consultation=consultation, kind=kind, due_at=NOW)
        expected_link = link(consultation) if callable(link) else link
    row.save()
    return row, expected_link


@pytest.mark.parametrize(
    ("kind", "status", "essentials", "link"), EVERY_MESSAGE, ids=[m[0] for m in EVERY_MESSAGE]
)
def test_every_message_says_what_it_must_and_no_intake_answer(
    consultation, kind, status, essentials, link
):
    with time_machine.travel(NOW, tick=False):
        row, expected_link = message_row(consultation, kind, status, link)
        message = build_message(row)

    for body in (message.body, html(message)):
        for essential in [*essentials, *PRACTICE]:
            assert essential in body, (kind, essential)
        if expected_link:
            assert expected_link in body, kind
    assert_private_details_absent(message)


def test_every_email_template_is_covered_above():
    templates = {
        path.stem
        for path in (ROOT / "templates" / "emails").glob("*.txt")
        if not path.stem.startswith("_") and path.stem != "base"
    }
    by_kind = {
        Kind.FIT_CHECK: "client_fit_check",
        Kind.INTAKE_SAFETY: "practice_intake_safety",
        reminder_kind(60): "client_reminder",
        reminder_kind(1440): "client_reminder",
        Kind.INTAKE_SAFETY_REMINDER: "practice_intake_safety_reminder",
        Kind.INTAKE_RESULTS: "client_intake_results",
        checkin_kind(2): "client_checkin",
        alliance_low_kind(2): "clinician_checkin_low",
        Kind.PROFILE_APPROVED: "clinician_profile_approved",
        Kind.PROFILE_RETURNED: "clinician_profile_returned",
    }
    # The waiting list's two messages are checked in test_waitlist.py.
    waitlist = {"client_waitlist_joined", "client_waitlist_offer"}
    assert {by_kind.get(kind, kind) for kind, *_ in EVERY_MESSAGE} | waitlist == templates


def test_it_emails_the_results_link_once_with_a_neutral_subject_and_no_answer(monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    reference = uuid.uuid4()
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            n.intake_results_notify(
                intake_reference=reference,
                email="zoe@example.org",
                first_name="Zoë",
                results_path="/intake/r/the-secret-of-the-link/",
                expires_at=NOW + dt.timedelta(days=30),
                timezone_name="America/New_York",
            )
        n.notifications_sweep(now=timezone.now())
        n.notifications_sweep(now=timezone.now())

    (message,) = mail.outbox
    assert message.to == ["zoe@example.org"]
    assert message.subject == "Your private link"
    assert message.attachments == []
    for body in (message.body, html(message)):
        assert RESULTS in body
        assert "until Tuesday 31 December 2024" in body
        assert "988" in body
    assert_private_details_absent(message)
    # Sent: the row forgets the address and the link.
    row = Notification.objects.get(intake_reference=reference)
    assert (row.status, row.payload) == (Notification.Status.SENT, {})


def test_it_skips_a_results_email_whose_link_has_expired(monkeypatch):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    reference = uuid.uuid4()
    Notification.objects.create(
        intake_reference=reference,
        kind=Kind.INTAKE_RESULTS,
        due_at=NOW,
        payload=results_payload(expires_at=NOW.isoformat()),
    )

    n.notifications_sweep(now=NOW)

    row = Notification.objects.get(intake_reference=reference)
    assert mail.outbox == []
    assert (row.status, row.payload) == (Notification.Status.SKIPPED, {})
