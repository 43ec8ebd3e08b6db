"""The gunicorn worker's start: its roster snapshot is built before it takes requests."""

import gc
import importlib

import pytest
from django.db import OperationalError
from django.utils import timezone

from config import snapshots
from matching import selectors
from matching.selectors import current_roster, roster_changed
from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db
gunicorn_config = importlib.import_module("config.gunicorn")


class Log:
    def __init__(self):
        self.lines = []

    def info(self, message, *args, **kwargs):
        self.lines.append(("info", message % args))

    def warning(self, message, *args, **kwargs):
        self.lines.append(("warning", message % args))


class Worker:
    def __init__(self):
        self.log = Log()


@pytest.fixture
def worker_start(monkeypatch):
    """The hook as a worker runs it, inside the test's transaction (kept, as outside one),
    and the collector as it was afterwards."""
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    monkeypatch.setattr("django.db.connection.close", lambda: None)
    thresholds = gc.get_threshold()
    roster_changed()
    yield Worker()
    roster_changed()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_builds_every_profile_before_its_first_request(
    worker_start, django_assert_num_queries
):
    ClinicianFactory.create_batch(3)
    gunicorn_config.post_worker_init(worker_start)
    assert worker_start.log.lines == [("info", "Roster snapshot warmed: 3 clinicians")]
    with django_assert_num_queries(0):
        roster = current_roster(now=timezone.now())
        roster.profiles(roster.ids)
        roster.hours(roster.ids)
    assert len(roster.ids) == 3
    assert gc.get_threshold()[0] == 50_000


def test_a_worker_starts_while_the_database_is_down(worker_start, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "roster_warm", down)
    gunicorn_config.post_worker_init(worker_start)
    assert worker_start.log.lines == [
        ("warning", "Could not warm the roster snapshot; the first request will build it")
    ]
