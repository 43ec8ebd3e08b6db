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


# --- Patching: a change that names its clinicians rereads only them ------------------------


@pytest.fixture
def patchable():
    built, patched = [], []

    def build(stamp):
        built.append(stamp)
        return {"stamp": stamp, "read": set()}

    def patch(value, ids):
        patched.append(ids)
        return {"stamp": value["stamp"], "read": value["read"] | ids}

    kept = Snapshot(key="tests:patchable-version", build=build, patch=patch, max_age_seconds=60)
    kept.built, kept.patched = built, patched
    kept.invalidate()
    return kept


def test_a_change_naming_clinicians_is_patched_in(outside_a_transaction, patchable):
    first = patchable.current("monday")
    patchable.invalidate([3])
    assert patchable.kept is first  # kept here too, to be patched on the next read
    patchable.invalidate([5, 8])
    second = patchable.current("monday")
    assert second == {"stamp": "monday", "read": {3, 5, 8}}
    assert patchable.built == ["monday"]
    assert patchable.patched == [frozenset({3, 5, 8})]  # several changes, one patch
    assert patchable.current("monday") is second


def test_another_process_change_is_patched_in(outside_a_transaction, patchable):
    patchable.current()
    snapshots.count_change(patchable.key, frozenset({7}))
    assert patchable.current()["read"] == {7}
    assert patchable.built == [None]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.invalidate(), id="a change naming nobody"),
        pytest.param(lambda s: snapshots.count_change(s.key, None), id="another process's"),
        pytest.param(
            lambda s: snapshots.count_change(
                s.key, frozenset(range(snapshots.MOST_IDS_PATCHED + 1))
            ),
            id="too many clinicians",
        ),
        pytest.param(
            lambda s: [
                snapshots.count_change(s.key, frozenset({1}))
                for _ in range(snapshots.MOST_CHANGES_PATCHED + 1)
            ],
            id="too many changes behind",
        ),
    ],
)
def test_it_builds_anew_for_a_change_it_cannot_patch(outside_a_transaction, patchable, change):
    patchable.current()
    patchable.invalidate([1])
    change(patchable)
    assert patchable.current() == {"stamp": None, "read": set()}
    assert patchable.built == [None, None]
    assert patchable.patched == []


def test_it_builds_anew_when_a_change_was_not_recorded(outside_a_transaction, patchable):
    from django.core.cache import cache

    patchable.current()
    patchable.invalidate([1])
    patchable.invalidate([2])
    # Lost (the entry expired, or the process recording it has not written it yet).
    cache.delete(f"{patchable.key}:{cache.get(patchable.key) - 1}")
    assert patchable.current() == {"stamp": None, "read": set()}
    assert patchable.patched == []


def test_it_builds_anew_for_another_stamp_or_after_the_maximum_age(
    outside_a_transaction, patchable
):
    patchable.current("monday")
    patchable.invalidate([1])
    assert patchable.current("tuesday") == {"stamp": "tuesday", "read": set()}
    patchable.invalidate([2])
    patchable.max_age_seconds = 0
    assert patchable.current("tuesday") == {"stamp": "tuesday", "read": set()}
    assert patchable.patched == []


def test_the_age_counts_from_the_last_whole_build(outside_a_transaction, patchable, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(snapshots.time, "monotonic", lambda: clock[0])
    patchable.current()
    clock[0] += 50
    patchable.invalidate([1])
    assert patchable.current()["read"] == {1}
    clock[0] += 20  # 70 s after the build, 20 after the patch
    assert patchable.current() == {"stamp": None, "read": set()}
    assert patchable.built == [None, None]


def test_a_version_left_by_an_older_release_starts_a_counter(outside_a_transaction, patchable):
    from django.core.cache import cache

    first = patchable.current()
    cache.set(patchable.key, "0f3c9a")  # a stamp, not a count
    patchable.invalidate([1])
    assert isinstance(cache.get(patchable.key), int)
    assert patchable.current() is not first
    assert patchable.built == [None, None]
