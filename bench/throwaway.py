"""A throwaway database for a benchmark: created, migrated, handed over, then dropped."""

import psycopg2


def in_throwaway_database(server: str, db_name: str, body) -> None:
    """Create `db_name` on `server`, migrate it, call `body()`, and drop it whatever happens.
    DATABASE_URL must already name it, before Django is set up."""
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{db_name}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        body()
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        admin.close()
