"""A wrong setting stops the app with a message naming the variable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env


@pytest.mark.parametrize(
    ("helper", "args", "value", "message"),
    [
        (env.env_int, (5,), "five", "WIDGET must be a whole number"),
        (env.env_bool, (True,), "maybe", "WIDGET must be true or false"),
        (env.env_int_list, ([1],), "60,abc", "WIDGET must be whole numbers"),
        (env.env_choice, ("json", ("json", "plain")), "xml", "WIDGET must be one of json, plain"),
        (env.env_timezone, ("UTC",), "Mars/Olympus", "WIDGET must be an IANA time zone"),
        (env.env_database, ("postgres:///x",), "nosuchdb://x", "WIDGET"),
    ],
)
def test_it_names_the_variable_when_a_value_is_wrong(monkeypatch, helper, args, value, message):
    monkeypatch.setenv("WIDGET", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        helper("WIDGET", *args)


def test_it_refuses_a_reminder_of_zero_minutes(monkeypatch):
    monkeypatch.setenv("WIDGET", "1440,0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int_list("WIDGET", [60], minimum=1)


def test_it_reads_lists_and_defaults(monkeypatch):
    monkeypatch.delenv("WIDGET", raising=False)
    assert env.env_int_list("WIDGET", [1440, 60]) == [1440, 60]
    monkeypatch.setenv("WIDGET", "120, 30")
    assert env.env_int_list("WIDGET", [1]) == [120, 30]


def test_it_requires_a_variable_without_a_default(monkeypatch):
    monkeypatch.delenv("WIDGET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="WIDGET is required"):
        env.env_str("WIDGET")


@pytest.mark.parametrize("url", ["sqlite:///var/alliance.sqlite3", "mysql://root@localhost/x"])
def test_it_accepts_only_postgresql(monkeypatch, url):
    monkeypatch.setenv("WIDGET", url)
    with pytest.raises(ImproperlyConfigured, match="WIDGET must be a PostgreSQL URL"):
        env.env_database("WIDGET")


def test_it_reads_a_postgresql_url_with_a_socket_folder(monkeypatch):
    monkeypatch.setenv("WIDGET", "postgres://postgres@%2Fsrv%2Fapp%2Fvar%2Fpostgres/alliance")
    config = env.env_database("WIDGET")
    assert config["HOST"] == "/srv/app/var/postgres"
    assert config["NAME"] == "alliance"


def test_production_requires_database_url():
    env_vars = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env_vars.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="alliance.example.org",
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env_vars,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "The environment variable DATABASE_URL is required" in result.stderr
