"""The private PostgreSQL server `make run` (and CI on a machine without one) starts and stops."""

import os
import shutil
import tempfile
from pathlib import Path

import dj_database_url
import psycopg2
import pytest

from config.devserver import EmbeddedPostgres, Supervisor


@pytest.fixture
def data_dir():
    # Not under pytest's tmp_path: as root the server runs as an unprivileged user, who must
    # reach the folder, and pytest keeps its temporary root private.
    base = Path(tempfile.mkdtemp(prefix="alliance-postgres-"))
    yield base / "postgres"
    EmbeddedPostgres(base / "postgres").stop()
    shutil.rmtree(base, ignore_errors=True)


def _server_version(url: str) -> int:
    config = dj_database_url.parse(url)
    connection = psycopg2.connect(host=config["HOST"], user=config["USER"], dbname=config["NAME"])
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        return connection.server_version
    finally:
        connection.close()


def test_it_starts_a_server_with_the_apps_database_and_stops_it(data_dir):
    url = EmbeddedPostgres(data_dir).start()

    assert url.endswith("/alliance")
    assert _server_version(url) >= 160000
    EmbeddedPostgres(data_dir).stop()
    assert not (data_dir / "postmaster.pid").exists()


def test_it_starts_again_after_a_server_was_killed_and_its_process_id_reused(data_dir):
    EmbeddedPostgres(data_dir).start()
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    EmbeddedPostgres(data_dir).stop()
    # What a SIGKILLed server leaves: its lock file, naming a process id now someone else's.
    (data_dir / "postmaster.pid").write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")

    url = EmbeddedPostgres(data_dir).start()

    assert _server_version(url) >= 160000


def test_links_in_emails_point_at_the_port_make_run_serves_on(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)

    assert Supervisor(host="127.0.0.1", port=8765).env["SITE_URL"] == "http://127.0.0.1:8765"
    # Listening everywhere: the links name this machine's own address.
    assert Supervisor(host="0.0.0.0", port=8001).env["SITE_URL"] == "http://127.0.0.1:8001"  # noqa: S104


def test_an_explicit_site_url_wins_over_the_port(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://care.example.org")

    assert Supervisor(host="127.0.0.1", port=8765).env["SITE_URL"] == "https://care.example.org"
