"""Run by `make test` before the suite: say clearly when PostgreSQL or Redis does not answer."""

import os
import sys

import dj_database_url
import psycopg2
import redis


def main() -> int:
    problems = []
    database_url = os.environ["DATABASE_URL"]
    try:
        config = dj_database_url.parse(database_url)
        psycopg2.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as exc:
        problems.append(f"PostgreSQL does not answer at {database_url}: {exc}".strip())
    redis_url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis does not answer at {redis_url}: {exc}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            "Start them (see README, 'Tests') or point DATABASE_URL / REDIS_URL elsewhere.",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
