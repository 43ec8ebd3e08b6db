"""The shared cache: Django's Redis cache, answering as an empty cache while Redis is down.

What the cache holds (rate-limit counters, snapshot versions) can be lost without harm, but an
unreachable Redis must not turn every page into an error. While it is down, reads miss, writes
are dropped and counters don't count, so rate limits let requests through (RATELIMIT_FAIL_OPEN):
a lockout must not become an outage. A warning says so, at most once a minute per process."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60


def _fail_open(fallback):
    """Run the cache operation; while Redis is unreachable, warn and return `fallback()`."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._warn_unreachable(exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _missing_counter(*args, **kwargs):
    # What Django's caches raise for a counter that isn't there; django-ratelimit then lets the
    # request through.
    raise ValueError("The cache is unreachable.")


class FailOpenRedisCache(RedisCache):
    _warned_at: float | None = None

    def _warn_unreachable(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._warned_at is not None and now - self._warned_at < WARN_EVERY_SECONDS:
            return
        FailOpenRedisCache._warned_at = now
        logger.warning(
            "The cache (Redis) is unreachable (%s): rate limits are not enforced and shared "
            "snapshots are rebuilt per request until it is back.",
            type(exc).__name__,
        )

    @_fail_open(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_fail_open(lambda *args, **kwargs: False)
    def add(self, key, value, timeout=None, version=None):
        return super().add(key, value, timeout, version)

    @_fail_open(lambda *args, **kwargs: None)
    def set(self, key, value, timeout=None, version=None):
        return super().set(key, value, timeout, version)

    @_fail_open(lambda *args, **kwargs: False)
    def touch(self, key, timeout=None, version=None):
        return super().touch(key, timeout, version)

    @_fail_open(lambda *args, **kwargs: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_fail_open(lambda *args, **kwargs: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_fail_open(lambda *args, **kwargs: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_fail_open(_missing_counter)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_fail_open(lambda keys, *args, **kwargs: list(keys))
    def set_many(self, data, timeout=None, version=None):
        return super().set_many(data, timeout, version)

    @_fail_open(lambda *args, **kwargs: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_fail_open(lambda *args, **kwargs: False)
    def clear(self):
        return super().clear()
