import pytest

from config import snapshots
from config.snapshots import Snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def outside_a_transaction(monkeypatch):
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)


@pytest.fixture
def snapshot():
    built = []

    def build(stamp):
        built.append(stamp)
        return [stamp, len(built)]

    kept = Snapshot(key="tests:snapshot-version", build=build, max_age_seconds=60)
    kept.built = built
    kept.invalidate()
    return kept


def test_it_keeps_one_value_until_the_version_changes(outside_a_transaction, snapshot):
    first = snapshot.current("monday")
    assert snapshot.current("monday") is first
    assert snapshot.kept is first
    snapshot.invalidate()
    assert snapshot.kept is None
    assert snapshot.current("monday") is not first
    assert snapshot.built == ["monday", "monday"]


def test_it_builds_anew_for_another_stamp(outside_a_transaction, snapshot):
    monday = snapshot.current("monday")
    assert snapshot.current("tuesday") == ["tuesday", 2]
    assert snapshot.current("monday") is not monday


def test_it_sees_another_process_bump_the_version(outside_a_transaction, snapshot):
    from django.core.cache import cache

    first = snapshot.current()
    cache.set(snapshot.key, "another process's change")
    assert snapshot.current() is not first


def test_it_rebuilds_after_the_maximum_age(outside_a_transaction, snapshot):
    first = snapshot.current()
    snapshot.max_age_seconds = 0
    assert snapshot.current() is not first


def test_it_shares_nothing_inside_a_transaction_or_without_the_cache(
    monkeypatch, outside_a_transaction, snapshot
):
    monkeypatch.setattr(snapshots, "in_transaction", lambda: True)
    assert snapshot.current() is None
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(snapshots.cache, "get", down)
    monkeypatch.setattr(snapshots.cache, "set", down)
    assert snapshot.current() is None
    snapshot.invalidate()  # a save still goes through
    assert snapshot.built == []
