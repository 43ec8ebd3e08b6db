"""A per-process snapshot kept in step with the database through a version counter in the
shared cache.

Data that changes rarely but is read on every request (the roster, the booking calendar) is
kept in each process. A change anywhere counts the version up, so every process sees its copy
is behind on its next read. A change that names the clinicians it touched also leaves their
ids under the new count for a while: a process that is only a few counts behind, and whose
snapshot knows how to (`patch`), then rereads just those clinicians instead of everyone. A
change that names nobody (a vocabulary, the booking rules, a bulk write) means a whole new
snapshot, and so does a missing count (a change still being recorded, or forgotten), a restarted
cache or being many counts behind. A maximum age since the last whole build covers writes that
send no signal. This module sits under config so that every app may use it without importing
another app."""

import logging
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import connection, transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)

# How long the ids a change touched are kept: a process further behind builds anew.
CHANGES_KEPT_SECONDS = 60 * 60
# A process more counts behind than this builds anew (one read of this many entries at most).
MOST_CHANGES_PATCHED = 200
# A change touching more clinicians than this is recorded as naming nobody: a whole build then
# costs less than reading them one list at a time.
MOST_IDS_PATCHED = 1000


def in_transaction() -> bool:
    """Inside a transaction a snapshot could hold writes that are later rolled back, and a
    write being made (a booking) must read afresh: nothing is shared there."""
    return connection.in_atomic_block


@dataclass(frozen=True)
class _Kept(Generic[T]):
    value: T
    version: object
    stamp: Hashable
    built_at: float


class Snapshot(Generic[T]):
    """One value, built by `build(stamp)` and shared by the threads of this process while the
    version, the `stamp` (say, the practice's date) and the maximum age allow. With `patch`,
    `patch(value, ids)` gives the value with the clinicians `ids` read again (a new value: other
    threads may be reading the old one)."""

    def __init__(
        self,
        *,
        key: str,
        build: Callable[[Hashable], T],
        max_age_seconds: float,
        patch: Callable[[T, frozenset[int]], T] | None = None,
    ):
        self.key = key
        self.max_age_seconds = max_age_seconds
        self._build = build
        self._patch = patch
        self._kept: _Kept[T] | None = None
        self._lock = threading.Lock()

    @property
    def kept(self) -> T | None:
        kept = self._kept
        return kept.value if kept is not None else None

    def current(self, stamp: Hashable = None) -> T | None:
        """The kept value if it is current, else a patched or new one, kept for the next call.
        None when nothing may be shared: inside a transaction, or when the cache can't give the
        version; the caller then reads afresh."""
        if in_transaction():
            return None
        version = self._version()
        if version is None:
            return None
        # Read once: another thread's invalidate() may drop it in between.
        kept = self._kept
        if self._is_current(kept, version, stamp):
            return kept.value
        with self._lock:  # one build at a time; the others then find it current
            kept = self._kept
            if self._is_current(kept, version, stamp):
                return kept.value
            if self._patchable(kept, stamp):
                changed = changes_between(self.key, kept.version, version)
                if changed is not None:
                    value = self._patch(kept.value, changed) if changed else kept.value
                    # The age counts from the last whole build: patches only follow signals.
                    self._kept = _Kept(value, version, stamp, kept.built_at)
                    return value
            value = self._build(stamp)
            self._kept = _Kept(value, version, stamp, time.monotonic())
            return value

    def invalidate(self, ids: Iterable[int] | None = None) -> None:
        """Tell every process their copy is behind: now, and again once the transaction commits
        (a copy made meanwhile saw the data before the change). `ids`: the only clinicians the
        change touched, when it is known; None for anything else."""
        ids = None if ids is None else frozenset(ids)
        if ids is None or self._patch is None:
            self._kept = None
        bump_version(self.key, ids)

    def _patchable(self, kept: "_Kept[T] | None", stamp: Hashable) -> bool:
        return (
            self._patch is not None
            and kept is not None
            and kept.stamp == stamp
            and time.monotonic() - kept.built_at < self.max_age_seconds
        )

    def _is_current(self, kept: "_Kept[T] | None", version: object, stamp: Hashable) -> bool:
        return (
            kept is not None
            and kept.version == version
            and kept.stamp == stamp
            and time.monotonic() - kept.built_at < self.max_age_seconds
        )

    def _version(self) -> object:
        return read_version(self.key)


def _new_start() -> int:
    # A counter starts anywhere in a wide range, so after the cache loses it (a restart) no
    # process can mistake the new counts for ones it has seen.
    return secrets.randbelow(2**62)


def read_version(key: str) -> object:
    """The version under `key` (started on first ask); None when the cache can't say."""
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, _new_start(), timeout=None)
            version = cache.get(key)
        return version
    except Exception:  # noqa: BLE001  an unreachable cache means fresh reads, not an error
        return None


def bump_version(key: str, ids: Iterable[int] | None = None) -> None:
    """Count the version under `key` up: now, and again once the transaction commits
    (anything made from the data in between saw it before the change). `ids`: the only
    clinicians the change touched, when it is known."""
    ids = None if ids is None else frozenset(ids)
    count_change(key, ids)
    transaction.on_commit(lambda: count_change(key, ids))


def count_change(key: str, ids: frozenset[int] | None) -> None:
    """Count the version under `key` up and, for a change that names its clinicians, leave
    their ids under the new count."""
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # not started yet (or the cache is down: then this fails too)
            cache.add(key, _new_start(), timeout=None)
            count = cache.incr(key)
        except Exception:  # noqa: BLE001  not a counter (an older version's stamp): start one
            cache.set(key, _new_start(), timeout=None)
            return
        if ids is not None and len(ids) <= MOST_IDS_PATCHED:
            cache.set(f"{key}:{count}", tuple(sorted(ids)), timeout=CHANGES_KEPT_SECONDS)
    except Exception:  # noqa: BLE001  the cache being down must not fail a save
        # Other processes then keep their copy until the maximum age.
        logger.warning("Could not count a change of %s", key, exc_info=True)


def changes_between(key: str, old: object, new: object) -> frozenset[int] | None:
    """The clinicians the changes after count `old` up to `new` touched; None when any of them
    named nobody, was not recorded (still being written, or forgotten), or there are too many."""
    if not (isinstance(old, int) and isinstance(new, int)):
        return None
    if not 0 < new - old <= MOST_CHANGES_PATCHED:
        return None
    keys = [f"{key}:{count}" for count in range(old + 1, new + 1)]
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001
        return None
    if len(found) != len(keys):
        return None
    ids: set[int] = set()
    for touched in found.values():
        if not isinstance(touched, tuple):
            return None
        ids.update(touched)
    return frozenset(ids)


def read_with_versions(keys: list[str], other: str) -> tuple[list[object], object]:
    """Several versions and one more cached value in one round trip to the cache: (the
    versions in order, each None when missing; the value, or None)."""
    try:
        found = cache.get_many([*keys, other])
    except Exception:  # noqa: BLE001  an unreachable cache means fresh reads, not an error
        return [None] * len(keys), None
    return [found.get(key) for key in keys], found.get(other)
