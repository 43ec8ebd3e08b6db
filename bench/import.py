"""Roster import benchmark: imports N generated clinicians (the roster bench/load.py seeds with)
into an empty throwaway database through the roster import service, then the same roster again
(nothing changes), and prints both times.

    .venv/bin/python bench/import.py [--sizes 1000 10000]

The database (alliance_bench_import_<pid>) is created and dropped here; the server comes from
BENCH_PG (default postgres://postgres@127.0.0.1:5432), the cache from BENCH_REDIS (default
redis://127.0.0.1:6379/10)."""

import argparse
import datetime as dt
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = f"alliance_bench_import_{os.getpid()}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

from bench.throwaway import in_throwaway_database  # noqa: E402


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_size(n: int) -> None:
    from clinicians.models import Clinician
    from clinicians.services import clinician_roster_import

    Clinician.objects.all().delete()
    rows = _load_bench().roster(n, dt.date.today())
    for label, expected in (("first import", "created"), ("second import", "unchanged")):
        started = time.perf_counter()
        result = clinician_roster_import(rows=rows, dry_run=False)
        took = time.perf_counter() - started
        counts = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        print(f"{n} clinicians, {label}: {took:.1f} s ({counts}; errors: {len(result.errors)})")
        if result.errors or getattr(result, expected) != n:
            print("\n".join(result.errors[:10]))
            raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    in_throwaway_database(SERVER, DB_NAME, lambda: [bench_size(n) for n in args.sizes])


if __name__ == "__main__":
    main()
