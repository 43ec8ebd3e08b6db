"""Load benchmark: gunicorn (production settings) against PostgreSQL, driven over HTTP.

    .venv/bin/python bench/load.py [--seconds 20] [--clients 16] [--clinicians 400]
                                   [--intakes 700] [--race 100] [--workers 4]
                                   [--sizes 1000,10000]

Creates a throwaway database (alliance_load_<random> on LOAD_PG, default
postgres://postgres@127.0.0.1:5432), migrates it, imports a roster (the demo practice plus
generated clinicians, through the roster import service), submits intakes through
`matching.services.intake_submit` for valid results links, collects static files into a temporary
STATIC_ROOT and starts `gunicorn config.wsgi -c config/gunicorn.py` on a free port of 127.0.0.1.
Then, for a fixed time each, with N concurrent clients (threads, one keep-alive connection each):

  1. baseline: a clinician's public profile page (one clinician from the database, a template);
  2. the directory's first page, and a filtered page (state, format, page 2);
  3. the results page of many different intakes;
  4. booking: GET the booking form, POST it for a distinct open slot, so each POST is a booking
     (each for an intake of its own: a client holds one request at a time);
  5. the baseline again, to show how noisy the machine is;

and prints requests per second, p50/p95/p99 latency and errors (not 2xx/3xx; 5xx separately),
each against the first baseline. Last, a race: R clients POST the same slot of one clinician at
once; exactly one may book, the others must be refused (409), none may get a 5xx, and the database
must hold one active consultation for that slot and no overlapping active consultations at all.

Rate limits are off (RATELIMIT_ENABLE=false): all the load comes from one address. Requests are
plain HTTP on loopback marked `X-Forwarded-Proto: https`, which gunicorn trusts from 127.0.0.1, so
the production HTTPS settings (secure cookies, CSRF origin checks) apply unchanged. Celery tasks
queue in Redis db LOAD_REDIS (default redis://127.0.0.1:6379/10; emptied at start and end) and no
worker sends them; emails would go to the in-memory backend. The gunicorn server, the database and
the temporary files are removed at the end, even on error or timeout (--max-seconds). Exits 1 if
any check fails.

With --sizes 1000,10000 it runs once per size, each in its own process and database, and prints
one table of every size (each path against that size's baseline) with the roster import's time."""

import argparse
import base64
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/10")
HOST = "127.0.0.1"
PLAN_CLINICIANS = 300
DB_PREFIX = os.environ.get("LOAD_DB_PREFIX", "alliance_load")
# The directory filtered as a client would: a state, a way to meet, and the second page.
DIRECTORY_FILTERED = "/clinicians/?state=NY&format=video&page=2"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    return conn


# --- Seeding (in this process, through the app's own services) ----------------------------


def roster(n: int, today: dt.date) -> list[dict]:
    """The demo practice, then copies drawn with other seeds and other names, up to n rows."""
    from clinicians import demo

    rows = demo.demo_roster(today=today)
    people = demo.PEOPLE
    copy = 1
    original_seed = demo.SEED
    try:
        while len(rows) < n:
            demo.SEED = original_seed + copy
            for i, row in enumerate(demo.demo_roster(today=today)):
                last = people[(i + 7 * copy) % len(people)][1]
                local = row["email"].split("@")[0]
                row.update(
                    last_name=last,
                    email=f"{local}.{copy}@{demo.DOMAIN}",
                    accepting_new_clients=True,
                )
                rows.append(row)
            copy += 1
    finally:
        demo.SEED = original_seed
    return rows[:n]


def intake_answers(i: int, rng: random.Random) -> dict:
    """Answers in the intake format of docs/interchange.md, varied like real clients' (cf.
    tests/matching/intake_steps.py)."""
    from clinicians import demo

    profile = rng.choice(demo.PROFILES)
    concerns = rng.sample(profile["concerns"], rng.randint(1, 3))
    language = rng.choice(["Spanish", "Mandarin", "Korean", "Hindi", "French"])
    return {
        "for_whom": "myself",
        "age_band": "adults",
        "concerns": concerns,
        "goals": "Feel steadier at work and sleep through the night.",
        "goal_tags": rng.sample(["sleep better", "feel calmer", "lift my mood"], 1),
        "style": {d: rng.randint(1, 5) for d in ("lead", "focus", "time", "challenge")},
        "approaches_wanted": rng.sample(profile["approaches"], rng.randint(0, 1)),
        "approaches_avoided": [],
        "preferences": {
            "gender": {
                "value": rng.choice(["woman", "man"]),
                "importance": rng.choice(["none", "nice", "nice"]),
            },
            # One client in ten must have a language: few clinicians pass, as in life.
            "language": {"value": language, "importance": "must" if i % 10 == 0 else "nice"},
            "community": {"importance": "none"},
            "lgbtq_affirming": {"importance": rng.choice(["none", "nice"])},
            "faith_informed": {"importance": "none"},
        },
        "state": rng.choice(demo.STATE_WEIGHTS),
        "format": rng.choice(["video", "video", "either", "phone"]),
        "offices": [],
        "times": rng.sample(["weekday mornings", "weekday evenings", "weekends"], 2),
        "payment": rng.choice([{"insurance": "Aetna"}, {"self_pay_budget": 150}, {}]),
        "safety": "not at all",
        "first_name": f"Client{i}",
        "email": f"client{i}@load.example.org",
        "phone": "555-010-9999",
        "timezone": "America/New_York",
        "past_therapy": "",
        "consent": True,
    }


def seed(*, clinicians: int, intakes: int) -> tuple[list[str], tuple[float, float]]:
    """Import the roster (timed: the service `manage.py import_clinicians` calls, without
    reading a file), then the same roster again (timed: it must change nothing), then submit
    the intakes; returns the results tokens and both imports' seconds."""
    from django.utils import timezone

    from clinicians.services import clinician_roster_import
    from matching.intake_schema import parse_intake
    from matching.selectors import matching_vocabularies
    from matching.services import intake_submit

    rows = roster(clinicians, timezone.localdate())
    started = time.perf_counter()
    result = clinician_roster_import(rows=rows)
    import_seconds = time.perf_counter() - started
    if result.errors:
        raise SystemExit("roster import failed: " + "; ".join(result.errors[:5]))
    # The same roster again: it must change nothing.
    started = time.perf_counter()
    again = clinician_roster_import(rows=rows)
    import_seconds = (import_seconds, time.perf_counter() - started)
    if again.errors or again.created or again.updated or again.unchanged != len(rows):
        raise SystemExit(
            f"importing the same roster again changed it: {again.created} created, "
            f"{again.updated} updated, {len(again.errors)} errors"
        )
    vocabularies = matching_vocabularies()
    rng = random.Random(7)
    tokens = []
    now = timezone.now()
    for i in range(intakes):
        answers = intake_answers(i, rng)
        parse_intake(answers, vocabularies=vocabularies)  # raises if the answers are malformed
        _intake, raw = intake_submit(answers=answers, now=now)
        tokens.append(raw)
    return tokens, import_seconds


def slot_plan(
    limit: int = PLAN_CLINICIANS,
) -> tuple[list[tuple[str, dt.datetime]], tuple[str, dt.datetime]]:
    """Distinct open slots that can all be booked (a slot plus buffer apart, within the daily
    cap), interleaved across the first `limit` clinicians (enough for any booking phase; the
    whole horizon of 10,000 would be millions of slots); and one more slot, of a clinician kept
    apart, for the race."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from clinicians.models import Clinician
    from consultations.selectors import open_slots_by_clinician, slot_rules

    rules = slot_rules()
    gap = dt.timedelta(minutes=rules.slot_minutes + rules.buffer_minutes)
    now = timezone.now()
    # An hour of margin so no planned slot falls inside the notice period during the run.
    earliest = now + dt.timedelta(hours=rules.minimum_notice_hours + 1)
    clinicians = list(
        Clinician.objects.values_list("pk", "slug", "timezone").order_by("pk")[:limit]
    )
    open_slots = open_slots_by_clinician(clinician_ids=[c[0] for c in clinicians], now=now)
    per_clinician = []
    for pk, slug, zone in clinicians:
        chosen, per_day, last = [], defaultdict(int), None
        for start in open_slots[pk]:
            day = start.astimezone(ZoneInfo(zone)).date()
            if start < earliest or (last is not None and start - last < gap):
                continue
            if rules.daily_cap and per_day[day] >= rules.daily_cap:
                continue
            chosen.append((slug, start))
            per_day[day] += 1
            last = start
        if chosen:
            per_clinician.append(chosen)
    race_slot = per_clinician.pop(0)[0]
    plan = []
    for i in range(max(map(len, per_clinician))):
        plan.extend(slots[i] for slots in per_clinician if i < len(slots))
    return plan, race_slot


def verify(race_slug: str, race_start: dt.datetime) -> tuple[int, int, int]:
    """Active consultations for the race slot, overlapping active pairs, all active."""
    from django.db import connection

    from consultations.models import Consultation

    active = list(Consultation.ACTIVE_STATUSES)
    race = Consultation.objects.filter(
        clinician__slug=race_slug, starts_at=race_start, status__in=active
    ).count()
    table = Consultation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {table} a JOIN {table} b
                ON a.clinician_id = b.clinician_id AND a.id < b.id
               AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
             WHERE a.status = ANY(%s) AND b.status = ANY(%s)""",
            [active, active],
        )
        overlaps = cursor.fetchone()[0]
    return race, overlaps, Consultation.objects.filter(status__in=active).count()


# --- HTTP clients --------------------------------------------------------------------------


class Client:
    """One browser-like client: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.conn = None

    def request(self, method, path, form=None, referer=None):
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "alliance-bench-load",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + (referer or path)
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                # A keep-alive connection the server closed while idle: reconnect once.
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    return 0, b"", time.perf_counter() - started
                continue
            elapsed = time.perf_counter() - started
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data, elapsed
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.notes: list[str] = []

    def add(self, label, status, elapsed, note=None):
        with self.lock:
            self.samples[label].append((status, elapsed))
            if note and len(self.notes) < 10:
                self.notes.append(note)


def run_phase(port, clients, seconds, step) -> tuple[Recorder, float]:
    """`clients` threads call step(client, recorder, n) until the time is up (or it returns
    False); returns the samples and the wall time actually spent."""
    recorder = Recorder()
    deadline = time.monotonic() + seconds

    def loop(index):
        client = Client(port)
        n = index
        try:
            while time.monotonic() < deadline:
                if step(client, recorder, n) is False:
                    break
                n += clients
        finally:
            client.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return recorder, time.monotonic() - started


PAIRED_BASELINE = "baseline, in turns with the results page"
PAIRED_RESULTS = "results page, in turns with the baseline"
PAIRED_TURNS = 4


def paired_rows(port, clients, seconds, baseline, results) -> list[dict]:
    """The profile page and the results page measured in turns (a quarter of `seconds` each,
    four times over), so a machine that slows down or speeds up during the run weighs on both
    alike: one row each, every turn pooled."""
    pooled: dict[str, list] = {PAIRED_BASELINE: [], PAIRED_RESULTS: []}
    walls = dict.fromkeys(pooled, 0.0)
    for _turn in range(PAIRED_TURNS):
        for label, step in ((PAIRED_BASELINE, baseline), (PAIRED_RESULTS, results)):
            recorder, wall = run_phase(port, clients, seconds / PAIRED_TURNS, step)
            for samples in recorder.samples.values():
                pooled[label].extend(samples)
            walls[label] += wall
    return [summarise(label, samples, walls[label]) for label, samples in pooled.items()]


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def summarise(label, samples, wall):
    times = sorted(e for _s, e in samples)
    return {
        "label": label,
        "n": len(samples),
        "rps": len(samples) / wall if wall else 0.0,
        "p50": percentile(times, 50) * 1000,
        "p95": percentile(times, 95) * 1000,
        "p99": percentile(times, 99) * 1000,
        "errors": sum(1 for s, _e in samples if not 200 <= s < 400),
        "5xx": sum(1 for s, _e in samples if s >= 500 or s == 0),
    }


def ratio_text(row, base, by_label) -> str:
    """req/s and p50 against the baseline; the rows measured in turns against each other."""
    against = by_label.get(PAIRED_BASELINE) if row["label"] == PAIRED_RESULTS else base
    if not (against and against["rps"] and against["p50"]):
        return "-"
    return f"{row['rps'] / against['rps']:.2f}x, {row['p50'] / against['p50']:.1f}x"


def print_table(rows, base):
    print(
        f"{'path':<52}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'5xx':>6}   vs baseline (req/s, p50)"
    )
    by_label = {r["label"]: r for r in rows}
    for r in rows:
        ratio = ratio_text(r, base, by_label)
        print(
            f"{r['label']:<52}{r['n']:>9}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['p99']:>9.1f}{r['errors']:>8}{r['5xx']:>6}   {ratio}"
        )


# --- The run -------------------------------------------------------------------------------


def wait_ready(port, proc, slug, seconds=90):
    deadline = time.monotonic() + seconds
    client = Client(port)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode} before it served a page")
        status, _body, _e = client.request("GET", f"/clinicians/{slug}/")
        if status == 200:
            client.close()
            return
        if status >= 400:
            raise SystemExit(f"gunicorn answers {status} to the baseline page (see its log)")
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 90 s")


def book_path(token, slug, start):
    return f"/intake/r/{token}/book/{slug}/"


def booking_form(client, token, slug, start):
    path = book_path(token, slug, start)
    status, body, elapsed = client.request("GET", f"{path}?start={quote(start.isoformat())}")
    match = CSRF_INPUT.search(body) if status == 200 else None
    return path, status, elapsed, (match.group(1).decode() if match else None)


def booking_post(client, path, csrf, start, i):
    return client.request(
        "POST",
        path,
        form={
            "csrfmiddlewaretoken": csrf,
            "first_name": f"Client{i}",
            "email": f"client{i}@load.example.org",
            "phone": "555-010-9999",
            "format": "video",
            "start": start.isoformat(),
        },
        referer=path,
    )


def run_sizes(args) -> int:
    """One run per size, each in a process of its own (its own database, gunicorn and Django
    state), then every size's rows in one table, each path against its own run's baseline."""
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    # gunicorn's log of each size is always kept: an error in one size must be explainable.
    log = args.log or str(Path(tempfile.gettempdir()) / f"alliance_load_{os.getpid()}.log")
    print(f"gunicorn's logs: {log}.<size>")
    passed = []
    for name in (
        "seconds",
        "clients",
        "intakes",
        "race",
        "workers",
        "max_seconds",
        "results_intakes",
        "cold",
    ):
        passed += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    reports = []
    with tempfile.TemporaryDirectory(prefix="alliance_load_sizes_") as folder:
        for n in sizes:
            out = Path(folder) / f"{n}.json"
            print(f"\n=== {n} clinicians ===", flush=True)
            command = [sys.executable, __file__, "--clinicians", str(n), "--json", str(out)]
            command += ["--log", f"{log}.{n}"]
            # The run's own --max-seconds alarm stops it; this is a second guard.
            subprocess.run(command + passed, check=False, timeout=args.max_seconds + 120)
            reports.append(json.loads(out.read_text()) if out.exists() else {"clinicians": n})
    print(f"\n=== summary: {args.seconds:g} s per path, {args.clients} clients ===")
    print(
        f"{'clinicians':>10}  {'path':<52}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>7}   vs baseline (req/s, p50)"
    )
    ok = True
    for report in reports:
        n = report["clinicians"]
        rows = report.get("rows") or []
        ok = ok and bool(report.get("ok")) and bool(rows)
        if not rows:
            print(f"{n:>10}  (no figures: the run failed before measuring)")
            continue
        base = rows[0]
        by_label = {r["label"]: r for r in rows}
        for r in rows:
            ratio = ratio_text(r, base, by_label)
            print(
                f"{n:>10}  {r['label']:<52}{r['rps']:>8.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
                f"{r['p99']:>9.1f}{r['errors']:>7}   {ratio}"
            )
        seconds = report.get("import_seconds")
        print(
            f"{n:>10}  roster import of {n} clinicians: "
            + (
                f"{seconds[0]:.1f} s ({n / seconds[0]:.0f} clinicians/s); the same roster "
                f"again, nothing changed: {seconds[1]:.1f} s"
                if seconds
                else "not measured"
            )
        )
    print("all checks OK" if ok else "SOME CHECKS FAILED (see each run above)")
    return 0 if ok else 1


def main() -> int:  # noqa: C901, PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per measured path")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--clinicians", type=int, default=400)
    parser.add_argument(
        "--intakes",
        type=int,
        default=700,
        help="results links; each booking needs its own, beyond the race's",
    )
    parser.add_argument("--race", type=int, default=100, help="clients racing for one slot")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--results-intakes",
        type=int,
        default=200,
        help="intakes whose results pages are measured (each opened once before, as a client "
        "does on sending the intake)",
    )
    parser.add_argument(
        "--cold", type=int, default=10, help="results requests each after a staff edit"
    )
    parser.add_argument("--log", help="keep gunicorn's log in this file")
    parser.add_argument("--max-seconds", type=int, default=900, help="stop everything after")
    parser.add_argument(
        "--sizes",
        help="comma-separated clinician counts, e.g. 1000,10000: one run per size, each in its "
        "own process and database, then one table of all of them",
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where a run per size writes its rows
    args = parser.parse_args()
    if args.sizes:
        return run_sizes(args)
    args.intakes = max(args.intakes, args.race + 1)

    db_name = f"{DB_PREFIX}_{secrets.token_hex(4)}"
    port = free_port()
    static_root = tempfile.mkdtemp(prefix="alliance_load_static_")
    log_path = Path(static_root).with_name(Path(static_root).name + ".log")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48)[:64],
        # A throwaway key for the clients' answers, as for SECRET_KEY: production requires one.
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS")
        or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{SERVER}/{db_name}",
        "REDIS_URL": REDIS,
        "RATELIMIT_ENABLE": "false",
        "STATIC_ROOT": static_root,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SITE_URL": f"https://{HOST}:{port}",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "FORWARDED_ALLOW_IPS": HOST,
    }
    os.environ.update(env)

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"stopped after --max-seconds={args.max_seconds}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.max_seconds)

    import redis

    redis.Redis.from_url(REDIS).flushdb()
    admin = admin_connection()
    admin.cursor().execute(f'CREATE DATABASE "{db_name}"')
    proc = None
    ok = True
    report: dict = {"clinicians": args.clinicians, "rows": [], "import_seconds": None}
    try:
        import django
        from django.core.management import call_command

        django.setup()
        t0 = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        tokens, import_seconds = seed(clinicians=args.clinicians, intakes=args.intakes)
        plan, (race_slug, race_start) = slot_plan()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database has them
        from clinicians.models import Clinician

        slugs = list(Clinician.objects.values_list("slug", flat=True).order_by("pk"))
        from django.db import connections

        connections.close_all()
        print(
            f"database {db_name}: {len(slugs)} clinicians, {len(tokens)} intakes, "
            f"{len(plan)} bookable slots planned ({time.monotonic() - t0:.0f} s to set up; "
            f"roster import {import_seconds[0]:.1f} s, again unchanged {import_seconds[1]:.1f} s)"
        )

        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                # No control socket: its default path is shared by every gunicorn of this user.
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "config.wsgi",
                    "-c",
                    "config/gunicorn.py",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_ready(port, proc, slugs[0])
        print(
            f"gunicorn on {HOST}:{port}: {args.workers} workers x "
            f"{os.environ.get('GUNICORN_THREADS', '2')} threads; {args.clients} clients, "
            f"{args.seconds:g} s per path"
        )

        def warm(client, rec, n):
            client.request("GET", f"/clinicians/{slugs[n % len(slugs)]}/")
            client.request("GET", f"/intake/r/{tokens[n % len(tokens)]}/")

        # Every worker's imports, templates and roster cache, before anything is measured.
        run_phase(port, args.clients, 5, warm)

        def baseline(client, rec, n):
            status, _b, e = client.request("GET", f"/clinicians/{slugs[n % len(slugs)]}/")
            rec.add("baseline: clinician profile", status, e)

        def directory(client, rec, n):
            status, _b, e = client.request("GET", "/clinicians/")
            rec.add("directory: first page", status, e)

        def directory_filtered(client, rec, n):
            status, _b, e = client.request("GET", DIRECTORY_FILTERED)
            rec.add("directory: state, format, page 2", status, e)

        queue_lock = threading.Lock()

        # The measured results pages, each opened once first (as on sending the intake): the
        # last intakes, which the booking phase is least likely to book for.
        results_tokens = tokens[-max(1, min(args.results_intakes, len(tokens))) :]
        unopened = iter(results_tokens)

        # Each intake's own browser: its cookies (the session that remembers its results) from
        # the first view on, as a client coming back to their matches has them.
        browsers: dict[str, dict[str, str]] = {}

        def first_view(client, rec, n):
            with queue_lock:
                token = next(unopened, None)
            if token is None:
                return False
            client.cookies = browsers.setdefault(token, {})
            status, body, e = client.request("GET", f"/intake/r/{token}/")
            rec.add("results page, first view (ranked)", status, e)
            return None

        def results(client, rec, n):
            token = results_tokens[n % len(results_tokens)]
            client.cookies = browsers.setdefault(token, {})
            status, body, e = client.request("GET", f"/intake/r/{token}/")
            rec.add("results page", status, e)

        queue = iter(plan)
        fresh_tokens = iter(tokens[args.race :])
        booked = [0]

        def booking(client, rec, n):
            # A client holds one request at a time: every booking is a different intake's,
            # never one of the race's.
            with queue_lock:
                item = next(queue, None)
                token = next(fresh_tokens, None)
            if item is None or token is None:
                return False
            slug, start = item
            path, status, e, csrf = booking_form(client, token, slug, start)
            rec.add("booking: GET form", status, e)
            if csrf is None:
                # Counted as an error of the POST it prevented (not a 5xx unless the GET was).
                rec.add(
                    "booking: POST (a booking)",
                    status if status >= 500 else -1,
                    0.0,
                    f"form not offered ({status}) for {slug} {start.isoformat()}",
                )
                return None
            status, body, e = booking_post(client, path, csrf, start, n)
            note = None
            if status != 200:
                note = f"POST {status} for {slug} {start.isoformat()}: {body[:200]!r}"
            else:
                with queue_lock:
                    booked[0] += 1
            rec.add("booking: POST (a booking)", status, e, note)
            return None

        def staff_edit_then_results(client, rec, n):
            """One request at a time, each the first after a staff edit (a clinician saved, as
            in the admin): the roster is read again, and every stored result is out of date."""
            if n >= args.cold:
                return False
            edited = Clinician.objects.order_by("pk")[n % 50]
            edited.save()
            connections.close_all()
            token = results_tokens[n % len(results_tokens)]
            client.cookies = browsers.setdefault(token, {})
            status, _b, e = client.request("GET", f"/intake/r/{token}/")
            rec.add("results page, first after a staff edit (1 client)", status, e)
            return None

        def baseline_alone(client, rec, n):
            if n >= args.cold:
                return False
            status, _b, e = client.request("GET", f"/clinicians/{slugs[n % len(slugs)]}/")
            rec.add("baseline, 1 client", status, e)
            return None

        phases = [
            ("baseline", baseline, args.clients, args.seconds),
            ("directory", directory, args.clients, args.seconds),
            ("directory filtered", directory_filtered, args.clients, args.seconds),
            ("first view", first_view, args.clients, args.max_seconds),
            ("results", results, args.clients, args.seconds),
            ("paired", None, args.clients, args.seconds),
            ("baseline alone", baseline_alone, 1, args.max_seconds),
            ("cold", staff_edit_then_results, 1, args.max_seconds),
            ("booking", booking, args.clients, args.seconds),
            ("baseline again", baseline, args.clients, args.seconds),
        ]
        rows = []
        for name, step, clients, seconds in phases:
            if step is None:
                rows += paired_rows(port, clients, seconds, baseline, results)
                continue
            recorder, wall = run_phase(port, clients, seconds, step)
            for label, samples in recorder.samples.items():
                row = summarise(
                    label + (" (again)" if name == "baseline again" else ""), samples, wall
                )
                rows.append(row)
                ok = ok and row["errors"] == 0
            for note in recorder.notes:
                print("  !", note)
        report.update(rows=rows, import_seconds=import_seconds)
        print()
        print_table(rows, rows[0])
        print(f"bookings made in the booking phase: {booked[0]}")
        by_label = {r["label"]: r for r in rows}
        pair = by_label.get(PAIRED_RESULTS), by_label.get(PAIRED_BASELINE)
        if all(pair) and pair[1]["rps"]:
            print(
                f"results page against the profile page, measured in turns: "
                f"{pair[0]['rps'] / pair[1]['rps']:.2f}x the req/s, "
                f"p50 {pair[0]['p50'] / pair[1]['p50']:.2f}x"
            )
        cold = by_label.get("results page, first after a staff edit (1 client)")
        alone = by_label.get("baseline, 1 client")
        if cold and alone:
            print(
                f"results page after a staff edit: p50 {cold['p50']:.0f} ms, max "
                f"{cold['p99']:.0f} ms over {cold['n']} edits, against a profile page's "
                f"{alone['p50']:.0f} ms alone ({cold['p50'] / alone['p50']:.1f}x)"
            )

        # The race: everyone has the form for the same open slot, then all POST at once.
        barrier = threading.Barrier(args.race, timeout=120)
        outcome: dict[str, int] = defaultdict(int)
        race_times: list[float] = []
        lock = threading.Lock()

        def racer(i):
            client = Client(port)
            try:
                path, status, _e, csrf = booking_form(client, tokens[i], race_slug, race_start)
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()
                if csrf is None:
                    kind = f"form not offered ({status})"
                    elapsed = 0.0
                else:
                    status, body, elapsed = booking_post(client, path, csrf, race_start, i)
                    if status == 200:
                        kind = "200 booked"
                    elif status == 409 and b"just taken" in body:
                        kind = "409 just taken"
                    elif status == 409:
                        kind = "409 no longer open"
                    else:
                        kind = f"{status} unexpected"
                with lock:
                    outcome[kind] += 1
                    race_times.append(elapsed)
            finally:
                client.close()

        threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in range(args.race)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        race_count, overlaps, active = verify(race_slug, race_start)
        connections.close_all()
        race_times.sort()
        print()
        print(f"race: {args.race} clients POST {race_slug} at {race_start.isoformat()}")
        print("  answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcome.items())))
        print(
            f"  latency p50 {percentile(race_times, 50) * 1000:.0f} ms, "
            f"max {race_times[-1] * 1000 if race_times else 0:.0f} ms"
        )
        print(
            f"  database: {race_count} active consultation(s) for that slot; "
            f"{overlaps} overlapping active pair(s) among {active} active consultations"
        )
        refused = outcome["409 just taken"] + outcome["409 no longer open"]
        # Every 200 of the booking phase is a booking, plus the race's one.
        print(f"  bookings in the database: {active} (booking phase {booked[0]} + race 1)")
        race_ok = (
            outcome["200 booked"] == 1
            and refused == args.race - 1
            and race_count == 1
            and overlaps == 0
            and active == booked[0] + 1
        )
        print("  checks: " + ("OK" if race_ok else "FAILED"))
        report["race_ok"] = race_ok
        ok = ok and race_ok
        log_lines = log_path.read_text(errors="replace").splitlines()
        app_errors = [
            line for line in log_lines if '"level": "ERROR"' in line or "Traceback" in line
        ]
        print(f"gunicorn log: {len(log_lines)} lines, {len(app_errors)} errors")
        ok = ok and not app_errors
        if not ok:
            print("\ngunicorn log (last lines):")
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-40:]))
    finally:
        signal.alarm(0)
        if sys.exc_info()[0] is not None and log_path.exists():
            # Stopped early (gunicorn refused a page, a timeout…): what its log says.
            ok = False
            print("\ngunicorn log (last lines):")
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-60:]))
        if proc is not None and proc.poll() is None:
            proc.terminate()  # gunicorn's master stops its workers on SIGTERM
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110
            pass
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        redis.Redis.from_url(REDIS).flushdb()
        shutil.rmtree(static_root, ignore_errors=True)
        if args.log and log_path.exists():
            shutil.copy(log_path, args.log)
        log_path.unlink(missing_ok=True)
        print(f"\nstopped gunicorn, dropped {db_name}" + ("" if ok else "; CHECKS FAILED"))
        if args.json:
            report["ok"] = ok
            Path(args.json).write_text(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
