"""Notifications with a real Redis broker and a real Celery worker (started in this process)."""

import datetime as dt
import logging
import threading
import time
from contextlib import contextmanager

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from consultations import notifications as n
from consultations.messages import Kind
from consultations.models import Consultation, Notification
from consultations.tasks import sweep_notifications
from tests.consultations.factories import ConsultationFactory
from tests.consultations.test_notifications import FlakyBackend

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = Notification.Status
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def wait_for(condition, *, seconds=15.0):
    """Poll until `condition()` is true; fail with a clear message if it never is."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Gave up waiting after {seconds} s")


def queued_tasks() -> int:
    return redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen("celery")


@contextmanager
def broker_at(url: str):
    """Publish to another broker URL for a while (the app caches its connections)."""
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url, app._pool, app.amqp._producer_pool = url, None, None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


@pytest.fixture(autouse=True)
def _no_flaky_failures_left():
    """Each test sets the failures it wants; none leak into the next test."""
    FlakyBackend.failures = 0
    yield
    FlakyBackend.failures = 0


@pytest.fixture
def broker():
    app.control.purge()
    yield app
    app.control.purge()


@pytest.fixture
def worker(broker):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as w:
        yield w


def message_ids() -> list[str]:
    return [m.message()["Message-ID"] for m in mail.outbox]


def book(**fields) -> Consultation:
    with transaction.atomic():
        consultation = ConsultationFactory(**fields)
        n.consultation_notify(
            consultation=consultation,
            event="requested" if consultation.status == "requested" else "confirmed",
        )
    return consultation


def all_sent(consultation, kinds):
    rows = Notification.objects.filter(consultation=consultation, kind__in=kinds)
    return rows.count() == len(kinds) and all(row.status == Status.SENT for row in rows)


def test_it_sends_a_bookings_messages_once(worker):
    consultation = book()
    wait_for(
        lambda: all_sent(consultation, [Kind.CLIENT_REQUEST_RECEIVED, Kind.CLINICIAN_NEW_REQUEST])
    )

    with transaction.atomic():
        consultation.status = Consultation.Status.CONFIRMED
        consultation.confirmed_at = timezone.now()
        consultation.save()
        n.consultation_notify(consultation=consultation, event="confirmed")
    wait_for(lambda: all_sent(consultation, [Kind.CLIENT_CONFIRMED]))
    # The sweep finds nothing left to send now.
    sweep_notifications.delay()
    wait_for(lambda: queued_tasks() == 0)

    assert sorted((m.to[0], m.subject.split(" ")[0]) for m in mail.outbox) == sorted(
        [
            (consultation.client_email, "Your"),
            (consultation.clinician.email, "New"),
            (consultation.client_email, "Your"),
        ]
    )
    assert len(set(message_ids())) == 3
    assert set(
        Notification.objects.filter(consultation=consultation, status=Status.PENDING).values_list(
            "kind", flat=True
        )
    ) == {"reminder_1440", "reminder_60", "fit_check"}


def test_it_stops_pending_reminders_when_cancelled(worker):
    # Booked two hours ago for 30 minutes from now: the 1-hour reminder is already due.
    start = timezone.now() + dt.timedelta(minutes=30)
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2), tick=True):
        consultation = ConsultationFactory(
            status=Consultation.Status.CONFIRMED, starts_at=start, confirmed_at=timezone.now()
        )
        n.consultation_notify(consultation=consultation, event="confirmed")
    wait_for(lambda: all_sent(consultation, [Kind.CLIENT_CONFIRMED, Kind.CLINICIAN_BOOKED]))
    mail.outbox.clear()
    assert Notification.objects.get(consultation=consultation, kind="reminder_60").due_at <= (
        timezone.now()
    )
    with transaction.atomic():
        consultation.status = Consultation.Status.CANCELLED
        consultation.sequence += 1
        consultation.save()
        n.consultation_notify(consultation=consultation, event="cancelled")

    wait_for(lambda: all_sent(consultation, [Kind.CLIENT_CANCELLED, Kind.CLINICIAN_CANCELLED]))
    sweep_notifications.delay()
    wait_for(lambda: queued_tasks() == 0)

    reminder = Notification.objects.get(consultation=consultation, kind="reminder_60")
    assert reminder.status == Status.CANCELLED
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(mail.outbox) == 2


def test_it_retries_after_a_mail_server_error(worker, settings):
    settings.EMAIL_BACKEND = "tests.consultations.test_notifications.FlakyBackend"
    FlakyBackend.failures = 1
    consultation = book(status=Consultation.Status.CONFIRMED, confirmed_at=timezone.now())
    wait_for(lambda: Notification.objects.filter(last_error__contains="SMTP").exists())

    failed = Notification.objects.get(last_error__contains="SMTP")
    assert failed.status == Status.PENDING
    assert failed.due_at > timezone.now()
    # The backoff has run out: the next sweep sends it.
    Notification.objects.filter(pk=failed.pk).update(due_at=timezone.now())
    sweep_notifications.delay()
    wait_for(lambda: all_sent(consultation, [Kind.CLIENT_CONFIRMED, Kind.CLINICIAN_BOOKED]))

    failed.refresh_from_db()
    assert (failed.attempts, failed.last_error) == (2, "")
    assert len(mail.outbox) == 2
    assert len(set(message_ids())) == 2


def test_it_keeps_the_booking_when_the_broker_is_down_and_sends_later(broker, caplog):
    # A worker started earlier in the run lowers the root logger's level.
    caplog.set_level(logging.WARNING, logger="consultations.notifications")
    with broker_at(CLOSED_PORT_BROKER):
        consultation = book(client_email="private.person@example.org")

    assert Consultation.objects.filter(pk=consultation.pk).exists()
    assert "the sweep will send them" in caplog.text
    assert "private.person" not in caplog.text
    assert mail.outbox == []

    # The broker is back: the beat's next sweep sends what was recorded.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        sweep_notifications.delay()
        wait_for(
            lambda: all_sent(
                consultation, [Kind.CLIENT_REQUEST_RECEIVED, Kind.CLINICIAN_NEW_REQUEST]
            )
        )
    assert len(mail.outbox) == 2


def test_it_sends_nothing_for_a_rolled_back_booking(worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        consultation = ConsultationFactory()
        n.consultation_notify(consultation=consultation, event="requested")
        raise RuntimeError("the booking failed after recording its messages")

    assert queued_tasks() == 0
    sweep_notifications.delay()
    wait_for(lambda: queued_tasks() == 0)
    assert not Notification.objects.exists()
    assert mail.outbox == []


class SlowBackend(FlakyBackend):
    """A mail server that takes a moment per message, so two sweeps overlap."""

    def send_messages(self, messages):
        time.sleep(0.005)
        return super().send_messages(messages)


def test_it_sends_each_message_once_with_two_sweeps_at_once(settings):
    settings.EMAIL_BACKEND = "tests.consultations.test_worker.SlowBackend"
    clinician_consultations = [
        ConsultationFactory(starts_at=timezone.now() + dt.timedelta(days=2, hours=i))
        for i in range(20)
    ]
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(consultation=c, kind=kind, due_at=now)
        for c in clinician_consultations
        for kind in (Kind.CLIENT_REQUEST_RECEIVED, Kind.CLINICIAN_NEW_REQUEST)
    )
    start = threading.Barrier(2)
    counts = []

    def sweep():
        try:
            start.wait()
            counts.append(n.notifications_sweep(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # Exactly once is the property; whether both sweeps got to send something depends on how the
    # threads are scheduled, so it is not asserted.
    assert not any(thread.is_alive() for thread in threads)
    assert len(counts) == 2
    assert sum(counts) == 40
    assert len(mail.outbox) == 40
    assert len(set(message_ids())) == 40
    assert Notification.objects.filter(status=Status.SENT, attempts=1).count() == 40
