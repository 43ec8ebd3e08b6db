"""A worker killed with SIGKILL in the middle of a sweep: how long until what it held is sent.

    .venv/bin/python bench/worker_kill.py [--reminders 2000] [--kill-after 500]

Seeds a throwaway database as bench/notifications.py does (N reminders due now), and runs with
the project's default settings (the claim lease, the beat's schedule):
  - a real `celery beat` (the project's schedule: a sweep every minute);
  - worker A (`celery worker --pool=solo`), handed the first sweep;
  - worker B, started right after the kill (as a supervisor would), idle until a sweep comes.
When A has sent --kill-after messages it gets SIGKILL. The script then waits until every row is
sent and prints how many rows A still held (status "sending") at the kill, how long after the
kill the last of those was sent, how long until every row was sent, and the duplicates and
losses counted from the Message-IDs actually written. Figures, not assertions: the exit status
is non-zero only for a duplicate or a loss."""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notifications as bench  # noqa: E402 (sets the throwaway database's environment)

ROOT = bench.ROOT


def start_worker(name: str, mail_dir: Path, log: Path) -> subprocess.Popen:
    script = bench.WORKER.replace("bench-notifications@%h", f"bench-kill-{name}@%h")
    env = {**os.environ, "BENCH_MAIL_DIR": str(mail_dir)}
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def start_beat(folder: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=WARNING",
            f"--schedule={folder / 'beat-schedule'}",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def run(reminders: int, kill_after: int, folder: Path, give_up_after: float) -> dict:
    from django.conf import settings

    from config.celery import app
    from consultations.models import Notification
    from consultations.tasks import sweep_notifications

    Status = Notification.Status
    mail_dir, log = folder / "mail", folder / "processes.log"
    mail_dir.mkdir()
    app.control.purge()
    processes = []
    try:
        beat = start_beat(folder, log)
        worker_a = start_worker("a", mail_dir, log)
        processes += [beat, worker_a]
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker_a.poll() is not None:
                raise RuntimeError("Worker A did not start:\n" + log.read_text()[-2000:])
        sweep_notifications.delay()
        sent = Notification.objects.filter(status=Status.SENT)
        while sent.count() < kill_after:
            time.sleep(0.01)
        worker_a.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        worker_a.wait(10)
        # Only A was sending: whatever is still "sending" is what it held.
        held = list(Notification.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
        sent_at_kill = sent.count()
        # The replacement, as a supervisor would start one; it waits for a sweep.
        worker_b = start_worker("b", mail_dir, log)
        processes.append(worker_b)
        figures = {
            "lease": settings.NOTIFICATION_CLAIM_LEASE_SECONDS,
            "sweep_every": settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]["schedule"],
            "sent_at_kill": sent_at_kill,
            "held_at_kill": len(held),
            "held_sent_after": None,
            "all_sent_after": None,
        }
        held_rows = Notification.objects.filter(pk__in=held)
        while time.monotonic() - killed_at < give_up_after:
            elapsed = time.monotonic() - killed_at
            if figures["held_sent_after"] is None and (
                held_rows.filter(status=Status.SENT).count() == len(held)
            ):
                figures["held_sent_after"] = elapsed
            if sent.count() == reminders:
                figures["all_sent_after"] = elapsed
                if figures["held_sent_after"] is None:
                    figures["held_sent_after"] = elapsed
                break
            if worker_b.poll() is not None or beat.poll() is not None:
                raise RuntimeError("Worker B or the beat stopped:\n" + log.read_text()[-2000:])
            time.sleep(0.2)
        return figures
    finally:
        for process in reversed(processes):
            stop(process)
        app.control.purge()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=2_000)
    parser.add_argument("--kill-after", type=int, default=500)
    parser.add_argument("--give-up-after", type=float, default=20 * 60, help="seconds")
    args = parser.parse_args()

    admin = bench.admin_connection()
    admin.cursor().execute(f'CREATE DATABASE "{bench.DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from consultations.models import Notification

        call_command("migrate", verbosity=0)
        ids = bench.seed(args.reminders)
        print(f"{len(ids):,} reminders due; worker A killed after {args.kill_after:,} sent")
        with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp:
            figures = run(args.reminders, args.kill_after, Path(tmp), args.give_up_after)
            written, duplicates, losses = bench.count_messages(Path(tmp) / "mail", ids)
        statuses = Counter(Notification.objects.values_list("status", flat=True))

        def seconds(value):
            return "not within the wait" if value is None else f"{value:.1f} s"

        lease, every = figures["lease"], figures["sweep_every"]
        print(f"settings: claim lease {lease} s, a sweep every {every:.0f} s")
        print(f"sent before the kill: {figures['sent_at_kill']:,}")
        print(f"held by the killed worker (status 'sending'): {figures['held_at_kill']}")
        print(f"last of those sent after the kill: {seconds(figures['held_sent_after'])}")
        print(f"every message sent after the kill: {seconds(figures['all_sent_after'])}")
        print(f"messages written: {written:,}   duplicates: {duplicates}   losses: {losses}")
        print(f"row statuses: {dict(statuses)}")
        connections.close_all()
        return 0 if duplicates == 0 and losses == 0 else 1
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{bench.DB_NAME}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
