"""A per-process snapshot invalidated by a version key in the shared cache.

Data that changes rarely but is read on every request (the roster, the booking calendar) is
kept in each process. A change anywhere bumps the key, so every process drops its copy on its
next read; a maximum age covers writes that send no signal. This module sits under config so
that every app may use it without importing another app."""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import connection, transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)


def in_transaction() -> bool:
    """Inside a transaction a snapshot could hold writes that are later rolled back, and a
    write being made (a booking) must read afresh: nothing is shared there."""
    return connection.in_atomic_block


@dataclass(frozen=True)
class _Kept(Generic[T]):
    value: T
    version: str
    stamp: Hashable
    built_at: float


class Snapshot(Generic[T]):
    """One value, built by `build(stamp)` and shared by the threads of this process while the
    version key, the `stamp` (say, the practice's date) and the maximum age allow."""

    def __init__(self, *, key: str, build: Callable[[Hashable], T], max_age_seconds: float):
        self.key = key
        self.max_age_seconds = max_age_seconds
        self._build = build
        self._kept: _Kept[T] | None = None
        self._lock = threading.Lock()

    @property
    def kept(self) -> T | None:
        kept = self._kept
        return kept.value if kept is not None else None

    def current(self, stamp: Hashable = None) -> T | None:
        """The kept value if it is current, else a new one, kept for the next call. None when
        nothing may be shared: inside a transaction, or when the cache can't give the version;
        the caller then reads afresh."""
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
            value = self._build(stamp)
            self._kept = _Kept(value, version, stamp, time.monotonic())
            return value

    def invalidate(self) -> None:
        """Drop every process's copy: now, and again once the transaction commits (a copy
        built meanwhile saw the data before the change)."""
        self._new_version()
        transaction.on_commit(self._new_version)

    def _is_current(self, kept: "_Kept[T] | None", version: str, stamp: Hashable) -> bool:
        return (
            kept is not None
            and kept.version == version
            and kept.stamp == stamp
            and time.monotonic() - kept.built_at < self.max_age_seconds
        )

    def _new_version(self) -> None:
        self._kept = None
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001  the cache being down must not fail a save
            # Other processes then keep their copy until the maximum age.
            logger.warning("Could not bump the snapshot version %s", self.key, exc_info=True)

    def _version(self) -> str | None:
        return read_version(self.key)


def read_version(key: str) -> str | None:
    """The version stamp under `key` (made on first ask); None when the cache can't say."""
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            version = cache.get(key)
        return version
    except Exception:  # noqa: BLE001  an unreachable cache means fresh reads, not an error
        return None


def bump_version(key: str) -> None:
    """A new stamp under `key`: now, and again once the transaction commits (anything made
    from the data in between saw it before the change)."""
    _new_stamp(key)
    transaction.on_commit(lambda: _new_stamp(key))


def _new_stamp(key: str) -> None:
    try:
        cache.set(key, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001  the cache being down must not fail a save
        logger.warning("Could not bump the version %s", key, exc_info=True)


def read_with_versions(keys: list[str], other: str) -> tuple[list[str | None], object]:
    """Several version stamps and one more cached value in one round trip to the cache:
    (the stamps in order, each None when missing; the value, or None)."""
    try:
        found = cache.get_many([*keys, other])
    except Exception:  # noqa: BLE001  an unreachable cache means fresh reads, not an error
        return [None] * len(keys), None
    return [found.get(key) for key in keys], found.get(other)
