"""Directory benchmark: seeds N clinicians (as bench/matching.py does) into a throwaway database,
runs ANALYZE, and prints the query plans (EXPLAIN ANALYZE) and timings of the public directory's
first page, a filtered page and a deep page, with their counts.

    .venv/bin/python bench/directory.py [--sizes 3000]

The database (alliance_bench_directory_<pid>) is created and dropped here; the server comes from
BENCH_PG (default postgres://postgres@127.0.0.1:5432)."""

import argparse
import importlib.util
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = f"alliance_bench_directory_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

from bench.throwaway import in_throwaway_database  # noqa: E402


def _matching_bench():
    spec = importlib.util.spec_from_file_location("bench_matching", ROOT / "bench" / "matching.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def explain(label: str, queryset) -> None:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
        plan = "\n".join(f"    {row[0]}" for row in cur.fetchall())
    print(f"\n-- {label}\n{plan}")


def bench_size(n: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinicians.models import Clinician, Concern, Language
    from clinicians.selectors import clinician_directory_list, directory_cards_queryset

    Clinician.objects.all().delete()
    started = time.perf_counter()
    _matching_bench().seed(n, random.Random(7))
    print(f"\n== {n} clinicians (seeded in {time.perf_counter() - started:.1f} s)")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    spanish = Language.objects.get(name="Spanish")
    anxiety = Concern.objects.get(name="anxiety")
    everyone = clinician_directory_list()
    filtered = clinician_directory_list(
        state="NY", payment="self-pay", fmt="video", language=spanish, concern=anxiety,
        age="adults", accepting=True,
    )  # fmt: skip
    explain("first page", directory_cards_queryset(everyone[:20]))
    explain("its count", everyone.order_by().values("pk"))
    explain("a deep page (page 100)", directory_cards_queryset(everyone[1980:2000]))
    explain(
        "filtered: NY, self-pay, video, Spanish, anxiety, adults, accepting",
        directory_cards_queryset(filtered[:20]),
    )
    explain("its count", filtered.order_by().values("pk"))

    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    for label, query in [
        ("first page", {}),
        ("filtered page", {"state": "NY", "payment": "self-pay", "format": "video",
                           "language": spanish.pk, "concern": anxiety.pk, "accepting": "on"}),
        ("page 50", {"page": 50}),
    ]:  # fmt: skip
        client.get("/clinicians/", query)
        times = []
        for _ in range(10):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/clinicians/", query)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(
            f"{label}: median {times[len(times) // 2]:.1f} ms, {len(queries)} queries, "
            f"{len(response.content) / 1024:.0f} KB, status {response.status_code}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000])
    args = parser.parse_args()
    in_throwaway_database(SERVER, DB_NAME, lambda: [bench_size(n) for n in args.sizes])


if __name__ == "__main__":
    main()
