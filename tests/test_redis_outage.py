"""Redis (the broker and the shared cache) goes down: every client page and form keeps working,
rate limits let requests through with a warning, bookings are stored, and once Redis is back
their emails go out, each exactly once. A private redis-server of the test's own is stopped and
started; the shared one is never touched."""

import logging
import shutil
import socket
import subprocess
import time
from collections import Counter

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from consultations.models import Consultation, Notification
from consultations.selectors import clinician_open_slots
from consultations.tasks import sweep_notifications
from consultations.tokens import MANAGE, make_token
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import make_intake
from tests.consultations.test_worker import broker_at
from tests.matching.intake_steps import fill_intake

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server on a free port, keeping nothing on disk, that the test stops and starts."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        self.process = subprocess.Popen(  # noqa: S603
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
def private_redis(tmp_path, settings):
    server = PrivateRedis(tmp_path)
    server.start()
    # The broker and the shared cache in one Redis, as the README sets production up.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "alliance",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = server.url
    with broker_at(server.url):
        try:
            yield server
        finally:
            server.stop()


def wait_for(condition, *, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting after {seconds} s")
        time.sleep(0.1)


def test_clients_lose_nothing_while_redis_is_down(client, private_redis, caplog, django_user_model):
    caplog.set_level(logging.WARNING)
    login = django_user_model.objects.create_user(username="maya", password="maya-pass-123")
    clinician = ClinicianFactory(user=login, licensed_in=["NY"])
    first, later = clinician_open_slots(clinician_id=clinician.pk, now=timezone.now(), limit=2)
    _intake, raw = make_intake(first_name="Ana", email="ana@example.org")

    private_redis.stop()

    # Pages and forms a client uses, each of them rate-limited.
    assert client.get("/").status_code == 200
    assert client.get(reverse("clinicians:directory")).status_code == 200
    assert client.get(reverse("matching:start")).status_code == 200
    fill_intake(client)
    assert client.post(reverse("matching:review")).status_code == 302
    assert client.get(reverse("matching:results", args=[raw])).status_code == 200
    book = reverse("matching:book", args=[raw, clinician.slug])
    assert client.get(book, {"start": first.isoformat()}).status_code == 200
    response = client.post(
        book,
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "phone": "",
            "format": "video",
            "start": first.isoformat(),
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert "Your request is in" in response.content.decode()
    consultation = Consultation.objects.get()
    token = make_token(consultation, MANAGE)
    assert client.get(reverse("consultations:manage", args=[token])).status_code == 200
    response = client.post(
        reverse("consultations:manage_reschedule", args=[token]), {"start": later.isoformat()}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.starts_at == later
    assert (
        client.post(reverse("login"), {"username": "maya", "password": "maya-pass-123"}).status_code
        == 302
    )

    assert "rate limits are not enforced" in caplog.text
    assert "the sweep will send them" in caplog.text
    assert "ana@example.org" not in caplog.text
    health = client.get("/healthz")
    assert health.json()["checks"]["broker"] is False
    assert "broker" in health.json()["status"]
    assert mail.outbox == []
    # What the intake (the results link), the booking and the move left in the outbox to send
    # now (the move cancelled the request's own messages).
    due = Notification.objects.filter(
        status=Notification.Status.PENDING,
        due_at__lte=timezone.now(),
    )
    due_ids = list(due.values_list("pk", flat=True))
    assert due_ids
    assert not Notification.objects.filter(status=Notification.Status.SENT).exists()
    due = Notification.objects.filter(pk__in=due_ids)

    private_redis.start()

    # The broker is back: the beat's next sweep sends what the outbox holds.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        sweep_notifications.delay()
        wait_for(lambda: not due.exclude(status=Notification.Status.SENT).exists())
        sweep_notifications.delay()  # a second sweep finds nothing left to send
        wait_for(lambda: redis.Redis.from_url(private_redis.url).llen("celery") == 0)

    sent = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(mail.outbox) == len(due_ids)
    assert all(count == 1 for count in sent.values())
    assert {"ana@example.org", clinician.email} <= {to for to, _subject in sent}
    assert ("ana@example.org", "Your private link") in sent
    assert client.get("/healthz").json()["checks"]["broker"] is True
