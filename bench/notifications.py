"""Notifications benchmark: N due reminders drained by one real Celery worker.

    .venv/bin/python bench/notifications.py [--reminders 10000]

Seeds a throwaway database (alliance_bench_notifications_<pid>, created and dropped here; dev
and test databases are never touched) on the server in BENCH_PG (default
postgres://postgres@127.0.0.1:5432) with N confirmed consultations, each with a reminder due
now. Then, in the same run:
  1. baseline: the same N emails rendered and written in a plain loop (no claims, no status
     updates), one connection to the same local backend;
  2. one worker (a `celery worker --pool=solo` subprocess on BENCH_REDIS, default
     redis://127.0.0.1:6379/5) drains them through the beat's sweep task: read the due rows
     100 at a time, then per row claim, render, send and mark sent.
Both write one .eml file per message (consultations.mail.EmlFileBackend) to a temporary folder;
every file's Message-ID names its notification, so duplicates and losses are counted from what
was actually written, and checked against the rows' status."""

import argparse
import datetime as dt
import email
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/5")
DB_NAME = f"alliance_bench_notifications_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["REDIS_URL"] = REDIS
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

WORKER = """
import os
import django

django.setup()
from django.conf import settings

settings.EMAIL_BACKEND = "consultations.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = os.environ["BENCH_MAIL_DIR"]
from config.celery import app

app.worker_main(
    ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
     "--without-gossip", "--hostname=bench-notifications@%h"]
)
"""


def admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    return conn


def seed(count: int) -> list[int]:
    from django.utils import timezone

    from clinicians.models import Clinician
    from consultations.models import Consultation, Notification

    clinician = Clinician.objects.create(
        email="maya@bench.example.org",
        first_name="Maya",
        last_name="Okafor",
        timezone="America/Chicago",
        video_url="https://video.example.org/maya",
    )
    now = timezone.now()
    first = (now + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    consultations = Consultation.objects.bulk_create(
        (
            Consultation(
                clinician=clinician,
                # 20 minutes apart: one clinician, no overlaps.
                starts_at=first + dt.timedelta(minutes=20 * i),
                ends_at=first + dt.timedelta(minutes=20 * i + 15),
                status=Consultation.Status.CONFIRMED,
                format=Consultation.Format.VIDEO,
                client_first_name=f"Client{i}",
                client_email=f"client{i}@bench.example.org",
                client_timezone="America/New_York",
                client_summary=[["Concerns", "private answer"]],
                confirmed_at=now,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    rows = Notification.objects.bulk_create(
        (
            Notification(consultation=c, kind="reminder_1440", due_at=now - dt.timedelta(minutes=1))
            for c in consultations
        ),
        batch_size=2000,
    )
    return [row.pk for row in rows]


def baseline(mail_dir: Path) -> tuple[float, int]:
    from django.core.mail import get_connection

    from consultations.models import Notification
    from consultations.notifications import build_message

    start = time.perf_counter()
    connection = get_connection("consultations.mail.EmlFileBackend", file_path=mail_dir)
    sent = 0
    rows = Notification.objects.select_related("consultation__clinician").order_by("pk")
    for notification in rows.iterator(chunk_size=500):
        sent += build_message(notification, connection=connection).send()
    return time.perf_counter() - start, sent


def drain(mail_dir: Path, expected: int, log: Path) -> float:
    from config.celery import app
    from consultations.models import Notification
    from consultations.tasks import sweep_notifications

    app.control.purge()
    env = {**os.environ, "BENCH_MAIL_DIR": str(mail_dir)}
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        # Wait for the worker to answer before starting the clock.
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("The worker did not start:\n" + log.read_text()[-2000:])
        start = time.perf_counter()
        sweep_notifications.delay()
        sent = Notification.objects.filter(status=Notification.Status.SENT)
        deadline = time.monotonic() + 900
        while sent.count() < expected:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("The worker stopped draining:\n" + log.read_text()[-2000:])
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
        app.control.purge()


def count_messages(mail_dir: Path, ids: list[int]) -> tuple[int, int, int]:
    seen = Counter()
    for path in mail_dir.glob("*.eml"):
        with path.open("rb") as handle:
            seen[email.message_from_binary_file(handle)["Message-ID"]] += 1
    expected = {f"<notification.{pk}@127.0.0.1>" for pk in ids}
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    losses = len(expected - set(seen))
    return sum(seen.values()), duplicates, losses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    args = parser.parse_args()

    admin = admin_connection()
    admin.cursor().execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from consultations.models import Notification

        call_command("migrate", verbosity=0)
        ids = seed(args.reminders)
        print(f"{len(ids):,} reminders due, one worker, local .eml backend")

        with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
            base_dir, worker_dir = Path(tmp) / "baseline", Path(tmp) / "worker"
            base_dir.mkdir()
            worker_dir.mkdir()
            base_seconds, base_sent = baseline(base_dir)
            worker_seconds = drain(worker_dir, len(ids), Path(tmp) / "worker.log")
            written, duplicates, losses = count_messages(worker_dir, ids)
            statuses = Counter(Notification.objects.values_list("status", flat=True))
            attempts = Counter(Notification.objects.values_list("attempts", flat=True))

        print("| path | messages | seconds | messages/s |")
        print("| --- | ---: | ---: | ---: |")
        print(
            f"| plain loop (baseline) | {base_sent:,} | {base_seconds:.1f} | "
            f"{base_sent / base_seconds:,.0f} |"
        )
        print(
            f"| worker: sweep, claim, send, mark | {written:,} | {worker_seconds:.1f} | "
            f"{len(ids) / worker_seconds:,.0f} |"
        )
        print(f"worker/baseline throughput: {base_seconds / worker_seconds:.2f}")
        print(f"duplicates: {duplicates}   losses: {losses}")
        print(f"row statuses: {dict(statuses)}   attempts: {dict(attempts)}")
        connections.close_all()
        return 0 if duplicates == 0 and losses == 0 else 1
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
