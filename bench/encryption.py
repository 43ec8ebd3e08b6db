"""Encryption benchmark: what encrypting clients' answers costs the results page.

    .venv/bin/python bench/encryption.py [--size 1000] [--runs 15] [--rounds 5]

Seeds N clinicians into a throwaway PostgreSQL database (as bench/matching.py does), then, for
each of bench/matching.py's intakes, times the results page for an intake stored encrypted (the
real field) and for the same answers stored as plain text (the field's cipher replaced by the
identity, everything else the same), one request of each in turn so the machine's load falls
on both alike, against the plain baseline page. Prints medians and the difference in per cent. The
database (alliance_bench_<pid>) is created and dropped here."""

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import matching as bench_matching  # noqa: E402 (sets the database before Django)


@contextmanager
def plain_text():
    """The encrypted fields store and read plain text while this is active."""
    from config import encryption

    real = encryption.encrypt, encryption.decrypt
    encryption.encrypt = encryption.decrypt = lambda text: text
    try:
        yield
    finally:
        encryption.encrypt, encryption.decrypt = real


@contextmanager
def timing_decrypt():
    """Yields [milliseconds spent decrypting, values decrypted] for what runs inside."""
    from config import encryption

    real, inside = encryption.decrypt, [0.0, 0]

    def timed(token):
        start = time.perf_counter()
        try:
            return real(token)
        finally:
            inside[0] += (time.perf_counter() - start) * 1000
            inside[1] += 1

    encryption.decrypt = timed
    try:
        yield inside
    finally:
        encryption.decrypt = real


def once_ms(fn) -> float:
    start = time.perf_counter()
    response = fn()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def bench(size: int, runs: int, rounds: int) -> None:
    import random

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import timezone

    from matching import results_views
    from matching.models import Intake
    from matching.selectors import roster_changed
    from matching.tokens import new_token, token_expiry

    bench_matching.seed(size, random.Random(size))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    roster_changed()
    now = timezone.now()
    factory = RequestFactory()

    def page(raw: str):
        def results():
            request = factory.get(f"/intake/r/{raw}/")
            request.user = AnonymousUser()
            return results_views.results(request, raw)

        return results

    def plain_page():
        request = factory.get("/baseline/")
        request.user = AnonymousUser()
        return bench_matching.baseline(request)

    print(f"== {size} clinicians, {rounds * runs} requests of each, taken in turn ==")
    for k, answers in enumerate(bench_matching.INTAKES, 1):
        raw_encrypted, digest = new_token()
        Intake.objects.create(
            token_hash=digest, answers=answers, submitted_at=now, expires_at=token_expiry(now)
        )
        raw_plain, digest = new_token()
        with plain_text():
            Intake.objects.create(
                token_hash=digest, answers=answers, submitted_at=now, expires_at=token_expiry(now)
            )
        encrypted, plain = page(raw_encrypted), page(raw_plain)
        encrypted()
        with plain_text():
            plain()
        plain_page()  # warm up all three
        figures = {"encrypted": [], "plain": [], "baseline": []}
        spent = []  # time inside decrypt() during each encrypted request, and how many values

        def encrypted_once(figures=figures, encrypted=encrypted, spent=spent):
            with timing_decrypt() as inside:
                figures["encrypted"].append(once_ms(encrypted))
            spent.append(inside)

        def plain_once(figures=figures, plain=plain):
            with plain_text():
                figures["plain"].append(once_ms(plain))

        # One request of each in turn, which first alternating, so a burst of load elsewhere
        # falls on both alike.
        for i in range(rounds * runs):
            for step in (encrypted_once, plain_once) if i % 2 else (plain_once, encrypted_once):
                step()
            figures["baseline"].append(once_ms(plain_page))
        enc, pln, base = (statistics.median(figures[key]) for key in figures)
        inside = statistics.median(ms for ms, _count in spent)
        print(
            f"intake {k}: results page, answers encrypted {enc:.1f} ms, stored plain "
            f"{pln:.1f} ms: {100 * (enc - pln) / pln:+.1f}%; baseline page {base:.1f} ms "
            f"(encrypted {enc / base:.1f}x, plain {pln / base:.1f}x); inside decryption "
            f"{inside:.2f} ms for {spent[0][1]} values = {100 * inside / enc:.1f}% of the page"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    admin = bench_matching.admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{bench_matching.DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        bench(args.size, args.runs, args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{bench_matching.DB_NAME}"')
        admin.close()


if __name__ == "__main__":
    main()
