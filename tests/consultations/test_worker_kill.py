"""A worker killed with SIGKILL in the middle of a batch: nothing lost, nothing sent twice.

The worker runs in a subprocess against the test database and
the test Redis, with a mail server that takes a moment per message."""

import datetime as dt
import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from consultations.mail import EmlFileBackend
from consultations.messages import Kind
from consultations.models import Notification
from consultations.tasks import sweep_notifications
from tests.consultations.factories import ConsultationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
ROWS = 12
SECONDS_PER_MESSAGE = 0.3
WORKER = """
import os
import django

django.setup()
from django.conf import settings

settings.EMAIL_BACKEND = "tests.consultations.test_worker_kill.SlowFileBackend"
settings.EMAIL_FILE_PATH = os.environ["KILL_TEST_MAIL_DIR"]
from config.celery import app

app.worker_main(
    ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
     "--without-gossip"]
)
"""


class SlowFileBackend(EmlFileBackend):
    """Holds each message for a moment before "the server accepts it", marking it in flight."""

    def send_messages(self, email_messages):
        in_flight = self.directory / "in-flight"
        self.directory.mkdir(parents=True, exist_ok=True)
        in_flight.touch()
        time.sleep(float(os.environ.get("KILL_TEST_DELAY", "0")))
        sent = super().send_messages(email_messages)
        in_flight.unlink()
        return sent


def start_worker_process(mail_dir: Path, log: Path, *, delay: float) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{quote(db['HOST'] or '127.0.0.1', safe='')}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        # A short lease so the test need not wait the default 45 s (it must be at least twice
        # the mail timeout, which the slow backend here doesn't use).
        "EMAIL_TIMEOUT": "1",
        "NOTIFICATION_CLAIM_LEASE_SECONDS": "2",
        "KILL_TEST_MAIL_DIR": str(mail_dir),
        "KILL_TEST_DELAY": str(delay),
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, *, seconds=20.0, every=None):
    deadline = time.monotonic() + seconds
    next_nudge = 0.0
    while time.monotonic() < deadline:
        if every and time.monotonic() >= next_nudge:
            every()
            next_nudge = time.monotonic() + 1.0
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"Gave up waiting after {seconds} s")


def sent_ids(mail_dir: Path) -> list[str]:
    return [
        email.message_from_bytes(path.read_bytes())["Message-ID"]
        for path in sorted(mail_dir.glob("*.eml"))
    ]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_it_loses_and_duplicates_nothing_when_a_worker_is_killed_mid_batch(tmp_path):
    app.control.purge()
    mail_dir = tmp_path / "mail"
    log = tmp_path / "worker.log"
    consultations = [
        ConsultationFactory(starts_at=timezone.now() + dt.timedelta(days=2, hours=i))
        for i in range(ROWS // 2)
    ]
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(consultation=c, kind=kind, due_at=now)
        for c in consultations
        for kind in (Kind.CLIENT_REQUEST_RECEIVED, Kind.CLINICIAN_NEW_REQUEST)
    )

    first = start_worker_process(mail_dir, log, delay=SECONDS_PER_MESSAGE)
    try:
        sweep_notifications.delay()
        # Kill it while a message is in flight, a few messages into the batch.
        in_flight = mail_dir / "in-flight"
        wait_for(
            lambda: (
                len(sent_ids(mail_dir)) >= 3
                and in_flight.exists()
                and time.time() - in_flight.stat().st_mtime < SECONDS_PER_MESSAGE / 3
            )
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    in_flight.unlink(missing_ok=True)

    statuses = list(Notification.objects.values_list("status", flat=True))
    assert 3 <= statuses.count(Notification.Status.SENT) < ROWS
    # The dead worker held only the message it was sending; the rest were never claimed.
    assert statuses.count(Notification.Status.SENDING) == 1
    assert statuses.count(Notification.Status.PENDING) == ROWS - 1 - statuses.count("sent")

    second = start_worker_process(mail_dir, log, delay=0)
    try:
        wait_for(
            lambda: Notification.objects.filter(status=Notification.Status.SENT).count() == ROWS,
            every=sweep_notifications.delay,
        )
    finally:
        stop(second)
        app.control.purge()

    ids = sent_ids(mail_dir)
    pks = Notification.objects.values_list("pk", flat=True)
    expected = {f"<notification.{pk}@127.0.0.1>" for pk in pks}
    assert len(ids) == ROWS, log.read_text()[-3000:]
    assert set(ids) == expected
    assert Notification.objects.filter(attempts=2).exists()
