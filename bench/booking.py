"""Booking benchmark: open-slot computation and booking throughput against PostgreSQL.

    .venv/bin/python bench/booking.py [--clinicians 50] [--threads 8] [--bookings 400]

Seeds a throwaway database (alliance_bench_booking_<pid>, created and dropped here; dev and
test databases are never touched) on the server in BENCH_PG (default
postgres://postgres@127.0.0.1:5432), then times, each against a baseline in the same run:
  1. slots for N clinicians over the whole horizon: one batched selector (constant queries)
     vs the same selector called once per clinician;
  2. bookings of distinct slots: T concurrent clients vs one client booking them in turn;
  3. T clients racing for one slot: exactly one may win.
Notifications are stubbed out: this measures slots and booking, not email."""

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = f"alliance_bench_booking_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"


def admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    return conn


def seed_more(n: int, start: int) -> list[int]:
    return seed(n, start=start)


def seed(n: int, start: int = 0) -> list[int]:
    from clinicians.models import AvailabilityException, Clinician, ConsultationHours

    zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
    clinicians = Clinician.objects.bulk_create(
        Clinician(
            email=f"c{i}@bench.example.org",
            first_name=f"C{i}",
            last_name="Bench",
            slug=f"c{i}-bench",
            timezone=zones[i % len(zones)],
        )
        for i in range(start, start + n)
    )
    hours = []
    for c in clinicians:
        for day in range(5):
            hours.append(
                ConsultationHours(clinician=c, weekday=day, start=dt.time(9), end=dt.time(12))
            )
            hours.append(
                ConsultationHours(clinician=c, weekday=day, start=dt.time(13), end=dt.time(17))
            )
    ConsultationHours.objects.bulk_create(hours)
    today = dt.date.today()
    AvailabilityException.objects.bulk_create(
        AvailabilityException(
            clinician=c, date=today + dt.timedelta(days=3 + c.pk % 7), kind="time_off"
        )
        for c in clinicians
    )
    return [c.pk for c in clinicians]


def timed(fn, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def book(clinician_id: int, starts_at: dt.datetime, now: dt.datetime):
    from consultations import services

    return services.consultation_book(
        clinician_id=clinician_id,
        starts_at=starts_at,
        format="video",
        first_name="Bench",
        email="bench@example.org",
        timezone="America/New_York",
        client_reference=uuid.uuid4(),
        client_summary=[["Goals", "bench"]],
        now=now,
    )


def run_threads(jobs: list, threads: int, now: dt.datetime) -> tuple[float, int, int]:
    """Book every (clinician, start) in jobs with `threads` workers; (seconds, ok, refused)."""
    from django.db import connection

    from consultations.services import SlotUnavailable

    lock = threading.Lock()
    queue = list(jobs)
    counts = {"ok": 0, "refused": 0}
    barrier = threading.Barrier(threads)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    clinician_id, start = queue.pop()
                try:
                    book(clinician_id, start, now)
                    key = "ok"
                except SlotUnavailable:
                    key = "refused"
                with lock:
                    counts[key] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start, counts["ok"], counts["refused"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clinicians", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=400)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--scale", type=int, default=10000, help="also time the first 5 slots for this many"
    )
    args = parser.parse_args()

    admin = admin_connection()
    admin.cursor().execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from consultations import notifications, selectors

        notifications.consultation_notify = lambda **kw: None
        call_command("migrate", verbosity=0)
        ids = seed(args.clinicians)
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)

        print(f"# Booking benchmark ({args.clinicians} clinicians, PostgreSQL {DB_NAME})\n")
        print("## 1. Open slots over the whole horizon (median of", args.runs, "runs)\n")
        batched = lambda: selectors.open_slots_by_clinician(clinician_ids=ids, now=now)  # noqa: E731
        looped = lambda: {  # noqa: E731
            cid: selectors.clinician_open_slots(clinician_id=cid, now=now) for cid in ids
        }
        t_batch, slots = timed(batched, args.runs)
        t_loop, _ = timed(looped, args.runs)
        limited = lambda: selectors.open_slots_by_clinician(clinician_ids=ids, now=now, limit=5)  # noqa: E731
        t_limited, _ = timed(limited, args.runs)
        total = sum(len(s) for s in slots.values())
        print("| variant | time | queries | slots |")
        print("| --- | --- | --- | --- |")
        print(
            f"| batched selector | {t_batch * 1000:.1f} ms | {count_queries(batched)} | {total} |"
        )
        print(
            f"| baseline: selector per clinician | {t_loop * 1000:.1f} ms "
            f"| {count_queries(looped)} | {total} |"
        )
        print(
            f"| batched, first 5 per clinician | {t_limited * 1000:.1f} ms "
            f"| {count_queries(limited)} | {5 * len(ids)} |"
        )
        print(f"\nBatched is {t_loop / t_batch:.1f}x the baseline's speed.\n")

        # Distinct open slots, spread over clinicians, for the throughput runs.
        per = max(1, args.bookings // len(ids))
        jobs = [(cid, s) for cid, options in slots.items() for s in options[::3][:per]]
        half = len(jobs) // 2
        baseline_jobs, concurrent_jobs = jobs[::2][:half], jobs[1::2][:half]

        # Every attempt below should count: the daily cap would refuse some of the spread.
        from consultations.models import BookingSettings

        BookingSettings.objects.create(daily_cap=0)
        print(f"## 2. Booking distinct slots ({len(baseline_jobs)} bookings each, no daily cap)\n")
        t_seq, ok_seq, ref_seq = run_threads(baseline_jobs, 1, now)
        t_par, ok_par, ref_par = run_threads(concurrent_jobs, args.threads, now)
        print("| variant | time | bookings/s | booked | refused |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| baseline: 1 client | {t_seq:.2f} s | {ok_seq / t_seq:.0f} | {ok_seq} | {ref_seq} |"
        )
        print(
            f"| {args.threads} concurrent clients | {t_par:.2f} s | {ok_par / t_par:.0f} "
            f"| {ok_par} | {ref_par} |"
        )

        print(f"\n## 3. {args.threads * 2} clients racing for each of 20 slots\n")
        from consultations.models import Consultation

        free = selectors.open_slots_by_clinician(clinician_ids=ids, now=now, limit=1)
        race_jobs = [(cid, s[0]) for cid, s in list(free.items())[:20] if s]
        jobs = [job for job in race_jobs for _ in range(args.threads * 2)]
        t_race, ok_race, ref_race = run_threads(jobs, args.threads * 2, now)
        overlaps = Consultation.objects.raw(
            """SELECT a.id FROM consultations_consultation a JOIN consultations_consultation b
               ON a.clinician_id = b.clinician_id AND a.id < b.id
               AND a.status IN ('requested','confirmed') AND b.status IN ('requested','confirmed')
               AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"""
        )
        print("| attempts | time | booked | refused (just taken / not open) | overlapping pairs |")
        print("| --- | --- | --- | --- | --- |")
        print(f"| {len(jobs)} | {t_race:.2f} s | {ok_race} | {ref_race} | {len(list(overlaps))} |")

        if args.scale > len(ids):
            more = seed_more(args.scale - len(ids), start=len(ids))
            every = ids + more
            print(f"\n## 4. Matching's call: first 5 open times for {len(every)} clinicians\n")

            def scaled(every=every):
                return selectors.open_slots_by_clinician(clinician_ids=every, now=now, limit=5)

            t_scaled, result = timed(scaled, 3)
            print("| clinicians | time | queries | with a slot |")
            print("| --- | --- | --- | --- |")
            print(
                f"| {len(every)} | {t_scaled * 1000:.0f} ms | {count_queries(scaled)} "
                f"| {sum(1 for v in result.values() if v)} |"
            )
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
