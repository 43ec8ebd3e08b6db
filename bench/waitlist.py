"""Waiting-list benchmark: from a cancellation to the offer email, with a real worker and beat.

    .venv/bin/python bench/waitlist.py [--rounds 5] [--lost 3]

Creates a throwaway database (alliance_bench_waitlist_<pid> on BENCH_PG, default
postgres://postgres@127.0.0.1:5432; created and dropped here, dev and test databases are never
touched), and starts one Celery worker and one beat (`celery -A config beat`, the default
schedule: the waiting-list sweep every 60 s) on BENCH_REDIS (default redis://127.0.0.1:6379/7).
Emails are written as .eml files to a temporary folder (consultations.mail.EmlFileBackend).

Each round has its own clinician with one consultation time, booked, and one client waiting
for it. Then, timed from the moment the cancellation commits:

- **baseline**: the client's own "your consultation is cancelled" email, through the same
  outbox and worker (the plain cancellation email's latency);
- **offer**: the email offering the freed time to the waiting client (the cancellation queues
  the offer pass; the worker holds the time and records the email, which it then sends);
- **lost task** (`--lost` rounds): the same, but the time is freed by a change that queues no
  task (a status set directly in the database), so only the beat's minute sweep finds it: the
  safety net's latency, which depends on where in its minute the beat is.

A latency is the row's `sent_at` (after the mail backend wrote the file) minus the commit time,
so it includes queueing, the worker's pickup and rendering. Prints every round and the medians.
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")
DB_NAME = f"alliance_bench_waitlist_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["REDIS_URL"] = REDIS
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

# The worker and the beat run the app's own settings, writing mail to the bench's folder.
PROCESS = """
import os, sys
import django

django.setup()
from django.conf import settings

settings.EMAIL_BACKEND = "consultations.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = os.environ["BENCH_MAIL_DIR"]
from config.celery import app

if sys.argv[1] == "worker":
    app.worker_main(
        ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat",
         "--without-mingle", "--without-gossip", "--hostname=bench-waitlist@%h"]
    )
else:
    app.start(["beat", "--loglevel=WARNING", "-s", os.environ["BENCH_BEAT_FILE"]])
"""


def start(kind: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PROCESS, kind],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def seed_round(i: int):
    """A clinician with one time in the booking window (09:00 New York three days from now,
    the window being a week), booked, and a client waiting for it."""
    from django.utils import timezone

    from clinicians.models import Clinician, ConsultationHours
    from consultations import services, waitlist
    from consultations.selectors import clinician_open_slots

    now = timezone.now()
    clinician = Clinician.objects.create(
        email=f"clinician{i}@bench.example.org",
        first_name="Maya",
        last_name=f"Chen {i}",
        timezone="America/New_York",
    )
    weekday = (now + dt.timedelta(days=3)).weekday()
    ConsultationHours.objects.create(
        clinician=clinician, weekday=weekday, start=dt.time(9), end=dt.time(9, 15)
    )
    [start_at] = clinician_open_slots(clinician_id=clinician.pk, now=now)
    booked = services.consultation_book(
        clinician_id=clinician.pk,
        starts_at=start_at,
        format="video",
        first_name="Booked",
        email=f"booked{i}@bench.example.org",
        timezone="America/New_York",
        client_reference=uuid.uuid4(),
        client_summary=[],
    )
    entry = waitlist.waitlist_join(
        client_reference=uuid.uuid4(),
        fits=[(clinician.pk, 80)],
        any_top_match=False,
        times=["weekday mornings"],
        weeks=2,
        first_name="Waiting",
        email=f"waiting{i}@bench.example.org",
        timezone="America/New_York",
        format="video",
    )
    return booked, entry


def wait_sent(rows, deadline_s: float):
    from consultations.models import Notification

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = rows.filter(status=Notification.Status.SENT).first()
        if found is not None:
            return found
        time.sleep(0.05)
    return None


def run_round(i: int, *, lost: bool) -> tuple[float | None, float | None]:
    from django.db import transaction
    from django.utils import timezone

    from consultations import services
    from consultations.models import Consultation, Notification

    booked, entry = seed_round(i)
    # Let the joining's emails go first, so they don't queue ahead of what is timed.
    wait_sent(Notification.objects.filter(intake_reference=entry.client_reference), 30)
    if lost:
        # The joining queued a pass of its own; let it run first, so only the sweep is left.
        time.sleep(3)
    with transaction.atomic():
        if lost:
            Consultation.objects.filter(pk=booked.pk).update(
                status=Consultation.Status.CANCELLED, client_hold=None
            )
        else:
            services.consultation_cancel(consultation_id=booked.pk)
    # Read before the commit's own clock: a row made in the same instant still counts.
    committed = timezone.now() - dt.timedelta(milliseconds=1)
    offer = wait_sent(
        Notification.objects.filter(
            intake_reference=entry.client_reference, kind="waitlist_offer", due_at__gte=committed
        ),
        150,
    )
    cancelled = (
        None
        if lost
        else wait_sent(
            Notification.objects.filter(consultation=booked, kind="client_cancelled"), 150
        )
    )

    def since(row):
        return None if row is None else (row.sent_at - committed).total_seconds()

    return since(cancelled), since(offer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lost", type=int, default=3)
    args = parser.parse_args()

    from bench.throwaway import in_throwaway_database

    status = {"code": 0}

    def body():
        from config.celery import app

        app.control.purge()
        with tempfile.TemporaryDirectory(prefix="bench-waitlist-") as tmp:
            env = {
                **os.environ,
                "BENCH_MAIL_DIR": tmp,
                "BENCH_BEAT_FILE": str(Path(tmp) / "beat-schedule"),
            }
            worker = start("worker", env, Path(tmp) / "worker.log")
            beat = start("beat", env, Path(tmp) / "beat.log")
            try:
                deadline = time.monotonic() + 60
                while not app.control.ping(timeout=0.5):
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise RuntimeError(
                            "The worker did not start:\n"
                            + (Path(tmp) / "worker.log").read_text()[-2000:]
                        )
                print("| round | path | cancellation email (baseline), s | offer email, s |")
                print("| ---: | --- | ---: | ---: |")
                fast, lost = [], []
                for i in range(args.rounds + args.lost):
                    is_lost = i >= args.rounds
                    cancel_s, offer_s = run_round(i, lost=is_lost)
                    (lost if is_lost else fast).append((cancel_s, offer_s))
                    path = "lost task: beat sweep only" if is_lost else "cancellation"
                    baseline_s = "—" if is_lost else _s(cancel_s)
                    print(f"| {i + 1} | {path} | {baseline_s} | {_s(offer_s)} |")
                    if offer_s is None:
                        status["code"] = 1
                emails = len(list(Path(tmp).glob("*.eml")))
                print()
                base, offered = _median(fast, 0), _median(fast, 1)
                print(f"median, cancellation: baseline {base} s, offer {offered} s")
                if lost:
                    swept, worst = _median(lost, 1), _max(lost)
                    print(f"median, beat sweep only: offer {swept} s (max {worst} s)")
                print(f".eml files written: {emails}")
            finally:
                for process in (beat, worker):
                    process.terminate()
                for process in (beat, worker):
                    process.wait(30)
                app.control.purge()

    def with_one_week_window():
        from consultations.models import BookingSettings

        BookingSettings.objects.create(horizon_days=7)
        body()

    in_throwaway_database(SERVER, DB_NAME, with_one_week_window)
    return status["code"]


def _s(value) -> str:
    return "never" if value is None else f"{value:.2f}"


def _median(rows, index) -> str:
    values = [row[index] for row in rows if row[index] is not None]
    return f"{statistics.median(values):.2f}" if values else "n/a"


def _max(rows) -> str:
    values = [row[1] for row in rows if row[1] is not None]
    return f"{max(values):.2f}" if values else "n/a"


if __name__ == "__main__":
    sys.exit(main())
