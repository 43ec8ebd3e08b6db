"""Matching benchmark: seeds N clinicians into a throwaway PostgreSQL database, then times the
pure scoring, the results page (cold: roster snapshot rebuilt; warm: reused) against a baseline
page, and counts queries per request.

    .venv/bin/python bench/matching.py [--sizes 1000 10000] [--runs 15]

The database (alliance_bench_<pid>) is created and dropped here; dev and test databases are
never touched. The server comes from BENCH_PG (default postgres://postgres@127.0.0.1:5432)."""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = f"alliance_bench_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

STATES = ["NY", "NJ", "CT", "PA", "MA", "CA", "TX", "FL", "IL", "WA"]
INTAKES = [
    {
        "for_whom": "myself", "age_band": "adults", "state": "NY", "format": "video",
        "concerns": ["trauma and PTSD", "anxiety"], "goal_tags": ["sleep better"],
        "style": {"lead": 2, "focus": 4, "time": 5, "challenge": 2},
        "approaches_wanted": ["EMDR"], "approaches_avoided": [],
        "preferences": {"gender": {"value": "woman", "importance": "nice"},
                        "language": {"value": "Spanish", "importance": "nice"}},
        "times": ["weekday evenings"], "payment": {"insurance": "Aetna", "self_pay_budget": 120},
        "first_name": "Ana", "email": "ana@example.org", "timezone": "America/New_York",
    },
    {
        "for_whom": "myself", "age_band": "adults", "state": "CA", "format": "either",
        "concerns": ["depression"], "style": {"lead": 4, "focus": 2, "time": 2, "challenge": 3},
        "preferences": {"language": {"value": "Mandarin", "importance": "must"}},
        "times": ["weekends"], "payment": {"self_pay_budget": 100},
        "first_name": "Li", "email": "li@example.org", "timezone": "America/Los_Angeles",
    },
]  # fmt: skip


def admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    return conn


def seed(n: int, rng: random.Random) -> None:
    from clinicians import models as m

    vocab = {
        key: list(model.objects.all())
        for key, model in {
            "concern": m.Concern, "approach": m.Approach, "language": m.Language,
            "plan": m.InsurancePlan, "community": m.Community, "office": m.Office,
        }.items()
    }  # fmt: skip
    english = next(v for v in vocab["language"] if v.name == "English")
    others = [v for v in vocab["language"] if v is not english]
    clinicians = []
    for i in range(n):
        fee = rng.choice([None, 120, 150, 180, 220])
        clinicians.append(
            m.Clinician(
                email=f"c{i}@bench.example.org", first_name=f"First{i}", last_name=f"Last{i}",
                slug=f"c-{i}", gender=rng.choice(["woman", "woman", "man", "nonbinary", ""]),
                lgbtq_affirming=rng.random() < 0.5, faith_informed=rng.random() < 0.2,
                serves_teens=rng.random() < 0.3, serves_adults=rng.random() < 0.95,
                serves_couples=rng.random() < 0.2, serves_families=rng.random() < 0.15,
                offers_video=rng.random() < 0.9, offers_phone=rng.random() < 0.5,
                offers_in_person=rng.random() < 0.3,
                style_lead=rng.randint(1, 5), style_focus=rng.randint(1, 5),
                style_time=rng.randint(1, 5), style_challenge=rng.randint(1, 5),
                self_pay_fee=fee,
                sliding_scale_min=fee - 40 if fee and rng.random() < 0.4 else None,
                accepting_new_clients=rng.random() < 0.85, is_active=rng.random() < 0.97,
            )
        )  # fmt: skip
    clinicians = m.Clinician.objects.bulk_create(clinicians, batch_size=2000)

    def link(field, rows):
        through = getattr(m.Clinician, field).through
        target = through._meta.get_field(through._meta.fields[2].name).attname
        through.objects.bulk_create(
            [through(clinician_id=c, **{target: t.pk}) for c, t in rows],
            batch_size=5000,
            ignore_conflicts=True,
        )

    rows = {
        k: []
        for k in (
            "languages",
            "concerns",
            "focus_concerns",
            "approaches",
            "insurance",
            "communities",
            "offices",
        )  # noqa: E501
    }
    licences, hours = [], []
    expires = dt.date.today() + dt.timedelta(days=365)
    for c in clinicians:
        rows["languages"].append((c.pk, english))
        rows["languages"] += [(c.pk, x) for x in rng.sample(others, rng.choice([0, 0, 1, 2]))]
        concerns = rng.sample(vocab["concern"], rng.randint(4, 8))
        rows["concerns"] += [(c.pk, x) for x in concerns]
        rows["focus_concerns"] += [(c.pk, x) for x in concerns[: rng.randint(1, 3)]]
        rows["approaches"] += [(c.pk, x) for x in rng.sample(vocab["approach"], rng.randint(1, 4))]
        rows["insurance"] += [(c.pk, x) for x in rng.sample(vocab["plan"], rng.randint(0, 3))]
        rows["communities"] += [
            (c.pk, x) for x in rng.sample(vocab["community"], rng.randint(0, 2))
        ]  # noqa: E501
        if c.offers_in_person:
            rows["offices"].append((c.pk, rng.choice(vocab["office"])))
        for j, state in enumerate(rng.sample(STATES, rng.choice([1, 1, 2]))):
            licences.append(
                m.License(clinician_id=c.pk, state=state, number=f"{c.pk}-{j}", expires_on=expires)
            )  # noqa: E501
        for weekday in rng.sample(range(7), rng.randint(2, 4)):
            start = rng.choice([8, 9, 12, 15, 17])
            hours.append(
                m.ConsultationHours(
                    clinician_id=c.pk, weekday=weekday, start=dt.time(start), end=dt.time(start + 3)
                )
            )  # noqa: E501
    for field, pairs in rows.items():
        link(field, pairs)
    m.License.objects.bulk_create(licences, batch_size=5000)
    m.ConsultationHours.objects.bulk_create(hours, batch_size=5000)


def baseline(request):
    """A plain list of 10 clinicians from the database, rendered with the same base template."""
    from django.http import HttpResponse
    from django.template import Template
    from django.template.context import RequestContext

    from clinicians.models import Clinician

    template = Template(
        '{% extends "base.html" %}{% block content %}<ul>{% for c in clinicians %}'
        "<li>{{ c.full_name }} · {{ c.email }}</li>{% endfor %}</ul>{% endblock %}"
    )
    rows = list(Clinician.objects.filter(is_active=True).order_by("pk")[:10])
    return HttpResponse(template.render(RequestContext(request, {"clinicians": rows})))


def timed(fn, runs: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            times.append((time.perf_counter() - start) * 1000)
        assert getattr(response, "status_code", 200) == 200, response.status_code
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def bench_size(n: int, runs: int) -> None:
    from dataclasses import replace

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import timezone

    from clinicians.models import Clinician
    from consultations.feedback import practice_felt_heard_rate
    from consultations.selectors import open_slots_by_clinician
    from matching import results_views
    from matching.intake_schema import parse_intake
    from matching.models import Intake, MatchingSettings
    from matching.scoring import ClientContext, Weights, rank
    from matching.selectors import clinician_candidates, current_roster, roster_changed
    from matching.tokens import new_token, token_expiry

    Clinician.objects.all().delete()
    seed(n, random.Random(n))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database would have them
    roster_changed()
    now = timezone.now()
    weights = Weights.from_settings(MatchingSettings.load())
    p0 = practice_felt_heard_rate()
    print(f"\n== {n} clinicians ==")
    for k, data in enumerate(INTAKES, 1):
        roster = current_roster(now=now)
        answers = parse_intake(data, vocabularies=roster.vocabularies)
        profiles = clinician_candidates(answers=answers, now=now, prefilter=False).profiles
        # Give everyone a slot and feedback, so all 10,000 go through the whole scoring path.
        profiles = [
            replace(
                p,
                first_open_slot=p.first_open_slot or now + dt.timedelta(days=2),
                felt_heard=(p.id % 7, 8),
            )  # noqa: E501
            for p in profiles
        ]

        def score(answers=answers, profiles=profiles):
            return rank(answers, profiles, practice_felt_heard=p0, weights=weights, now=now)

        def score_and_explain(score=score):
            # What `match --json` reads: every match's reasons and every exclusion.
            ranking = score()
            for m in ranking.matches:
                m.reasons  # noqa: B018
            return ranking.excluded

        score()  # warm up
        lazy, _q = timed(score, runs)
        full, _q = timed(score_and_explain, runs)
        ranking = score()
        print(
            f"intake {k}: scoring {len(profiles)} profiles: median {lazy:.1f} ms"
            f" ({len(ranking.matches)} pass); with every reason and exclusion {full:.1f} ms"
        )

        context = ClientContext(answers)
        band_ok = clinician_candidates(answers=answers, now=now).profiles
        passing = [p.id for p in band_ok if context.passes(p)]
        slots_ms, slots_q = timed(
            lambda passing=passing: open_slots_by_clinician(
                clinician_ids=passing, now=now, limit=1
            ),
            runs,
        )
        print(
            f"intake {k}: open-slot search (limit=1) for the {len(passing)} clinicians passing "
            f"every other filter: median {slots_ms:.1f} ms, {slots_q} queries"
        )

    factory = RequestFactory()
    for k, data in enumerate(INTAKES, 1):
        raw, digest = new_token()
        Intake.objects.create(
            token_hash=digest, answers=data, submitted_at=now, expires_at=token_expiry(now)
        )

        def results(raw=raw):
            request = factory.get(f"/intake/r/{raw}/")
            request.user = AnonymousUser()
            return results_views.results(request, raw)

        def cold(results=results):
            roster_changed()  # as after a staff edit: the next request rebuilds the snapshot
            return results()

        def plain():
            request = factory.get("/baseline/")
            request.user = AnonymousUser()
            return baseline(request)

        results()
        plain()  # warm up
        cold_ms, cold_q = timed(cold, max(3, runs // 3))
        page_ms, page_q = timed(results, runs)
        base_ms, base_q = timed(plain, runs)
        print(
            f"intake {k}: results page warm median {page_ms:.1f} ms, {page_q} queries; "
            f"cold {cold_ms:.1f} ms, {cold_q} queries; baseline {base_ms:.1f} ms, {base_q} "
            f"queries; ratio warm {page_ms / base_ms:.1f}x, cold {cold_ms / base_ms:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    admin = admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        for n in args.sizes:
            bench_size(n, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        admin.close()


if __name__ == "__main__":
    main()
