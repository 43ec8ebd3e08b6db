"""Mail-server trouble through Django's real SMTP backend, against a server of our own on
loopback: temporary trouble is retried for a day and more, a refusal stops at once."""

import datetime as dt
import email

import pytest
import time_machine
from django.utils import timezone

from consultations import notifications as n
from consultations.messages import Kind, reminder_kind
from consultations.models import Consultation, Notification
from consultations.selectors import notification_trouble
from tests.consultations.factories import ConsultationFactory
from tests.consultations.smtp_server import closed_port, loopback_smtp_server

pytestmark = pytest.mark.django_db
Status = Notification.Status
NOW = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)
ADDRESS = "ana.private@example.org"


@pytest.fixture
def server(settings):
    with loopback_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1
        yield server


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due_message(**fields) -> Notification:
    """A confirmation to the client, due now, for a consultation in a week."""
    consultation = ConsultationFactory(
        status=Consultation.Status.CONFIRMED,
        starts_at=timezone.now() + dt.timedelta(days=7),
        confirmed_at=timezone.now(),
        client_email=ADDRESS,
        **fields,
    )
    return Notification.objects.create(
        consultation=consultation, kind=Kind.CLIENT_CONFIRMED, due_at=timezone.now()
    )


def received_ids(server) -> list[str]:
    return [email.message_from_bytes(raw)["Message-ID"] for raw in server.received]


def sweep_at(moment: dt.datetime, traveller) -> int:
    traveller.move_to(moment)
    return n.notifications_sweep(now=timezone.now())


@pytest.mark.parametrize(
    ("trouble", "recorded"),
    [
        ({"rcpt": "451 4.7.1 Greylisted, try again later"}, "SMTPRecipientsRefused: 451 4.7.1"),
        ({"data_end": "451 4.3.0 Temporary local problem"}, "SMTPDataError: 451 4.3.0"),
        ({"hang_up_mid_data": True}, "SMTPServerDisconnected"),
    ],
    ids=["451-at-rcpt", "451-after-data", "hang-up-mid-data"],
)
def test_it_retries_temporary_trouble_and_delivers_once_when_it_clears(
    server, now, trouble, recorded
):
    row = due_message()
    for attribute, value in trouble.items():
        setattr(server, attribute, value)

    assert sweep_at(NOW, now) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 1, recorded)
    assert row.failing_since == NOW
    assert NOW + dt.timedelta(seconds=30) <= row.due_at <= NOW + dt.timedelta(seconds=60)
    assert server.received == []

    # Still in trouble a second time: it backs off further.
    assert sweep_at(row.due_at, now) == 0
    first_retry = row.due_at
    row.refresh_from_db()
    assert row.attempts == 2
    assert first_retry + dt.timedelta(seconds=60) <= row.due_at
    assert row.due_at <= first_retry + dt.timedelta(seconds=120)

    server.rcpt, server.data_end, server.hang_up_mid_data = "250 2.1.5 Ok", "250 2.0.0 Ok", False
    assert sweep_at(row.due_at, now) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 3, "")
    assert received_ids(server) == [f"<notification.{row.pk}@127.0.0.1>"]


@pytest.mark.parametrize(
    ("refusal", "recorded"),
    [
        ({"rcpt": f"550 5.1.1 <{ADDRESS}>: Recipient address rejected"}, "SMTPRecipientsRefused"),
        ({"data_end": f"554 5.7.1 Message to {ADDRESS} rejected"}, "SMTPDataError: 554 5.7.1"),
    ],
    ids=["550-at-rcpt", "554-after-data"],
)
def test_it_stops_at_once_on_a_permanent_refusal_and_keeps_the_reason(
    server, now, refusal, recorded
):
    row = due_message()
    for attribute, value in refusal.items():
        setattr(server, attribute, value)

    assert sweep_at(NOW, now) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error.startswith(recorded)
    assert ADDRESS not in row.last_error
    assert "ana" not in row.last_error
    assert (row.failing_since, row.claimed_at) == (NOW, None)

    # Never tried again: a day later the server has seen one attempt, and staff see it.
    connections = server.connections
    sweep_at(NOW + dt.timedelta(days=1), now)
    assert server.connections == connections
    assert server.received == []
    assert notification_trouble() == {"failed": 1, "failing": 0}


def test_it_records_the_reply_codes_of_a_550_without_the_servers_text(server, now):
    row = due_message()
    server.rcpt = f"550 5.1.1 <{ADDRESS}>: Recipient address rejected"

    sweep_at(NOW, now)

    row.refresh_from_db()
    assert row.last_error == "SMTPRecipientsRefused: 550 5.1.1"


def test_it_retries_when_the_connection_is_refused(settings, now):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        closed_port(),
        False,
    )
    row = due_message()

    sweep_at(NOW, now)

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.PENDING, "ConnectionRefusedError")


def test_it_retries_when_the_server_never_answers(server, now):
    server.silent = True
    row = due_message()

    sweep_at(NOW, now)

    row.refresh_from_db()
    # smtplib reports a greeting that never came as a dropped connection, caused by the timeout.
    assert (row.status, row.last_error) == (
        Status.PENDING,
        "SMTPServerDisconnected (TimeoutError)",
    )


def test_it_keeps_retrying_through_a_day_long_outage_with_capped_backoff(server, now, settings):
    row = due_message()
    server.rcpt = "451 4.3.2 System not accepting network messages"
    waits = []

    # The server answers 451 for 30 hours; each sweep runs the moment the row is due again.
    moment = NOW
    while moment < NOW + dt.timedelta(hours=30):
        sweep_at(moment, now)
        row.refresh_from_db()
        assert row.status == Status.PENDING, row.last_error
        waits.append(row.due_at - moment)
        moment = row.due_at

    base = dt.timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS)
    cap = dt.timedelta(seconds=settings.NOTIFICATION_RETRY_MAX_SECONDS)
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(base * 2 ** min(attempt - 1, 20), cap)
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)
    assert max(waits) > cap / 2
    assert row.failing_since == NOW

    server.rcpt = "250 2.1.5 Ok"
    assert sweep_at(row.due_at, now) == 1
    assert received_ids(server) == [f"<notification.{row.pk}@127.0.0.1>"]


def test_it_gives_up_at_the_end_of_the_retry_window(server, now, settings):
    settings.NOTIFICATION_RETRY_HOURS = 24
    row = due_message()
    server.rcpt = "451 4.3.2 System not accepting network messages"
    end = NOW + dt.timedelta(hours=24)

    moment = NOW
    while row.status == Status.PENDING:
        assert moment <= end
        sweep_at(moment, now)
        row.refresh_from_db()
        moment = row.due_at

    # The last try is at the window's end, not past it.
    assert now_is(end)
    assert row.status == Status.FAILED
    assert row.last_error.startswith("SMTPRecipientsRefused: 451 4.3.2; gave up after ")
    assert "the retry window ended" in row.last_error
    assert notification_trouble() == {"failed": 1, "failing": 0}


def now_is(moment: dt.datetime) -> bool:
    return timezone.now() == moment


def test_it_stops_retrying_a_reminder_once_it_would_come_too_late(server, now):
    consultation = ConsultationFactory(
        status=Consultation.Status.CONFIRMED,
        starts_at=NOW + dt.timedelta(hours=1),
        confirmed_at=NOW - dt.timedelta(days=1),
    )
    row = Notification.objects.create(consultation=consultation, kind=reminder_kind(60), due_at=NOW)
    server.rcpt = "451 4.7.1 Greylisted, try again later"

    tries = []
    moment = NOW
    while row.status == Status.PENDING:
        tries.append(moment)
        sweep_at(moment, now)
        row.refresh_from_db()
        moment = row.due_at

    assert all(moment < consultation.starts_at for moment in tries)
    assert len(tries) >= 5
    assert row.status == Status.FAILED
    assert "the reminder would come too late" in row.last_error
    assert server.received == []
