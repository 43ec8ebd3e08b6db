"""The shared cache answers as an empty cache while Redis is unreachable, and says so."""

import logging

import pytest

from config.cache import FailOpenRedisCache


@pytest.fixture
def unreachable():
    FailOpenRedisCache._warned_at = None
    cache = FailOpenRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    yield cache
    FailOpenRedisCache._warned_at = None


def test_it_misses_drops_writes_and_counts_nothing(unreachable):
    assert unreachable.get("k", "default") == "default"
    assert unreachable.get_many(["k"]) == {}
    assert unreachable.add("k", 1) is False
    assert unreachable.set("k", 1) is None
    assert unreachable.delete("k") is False
    assert unreachable.has_key("k") is False
    with pytest.raises(ValueError):
        unreachable.incr("k")


def test_it_warns_once_a_minute_not_on_every_call(unreachable, caplog):
    caplog.set_level(logging.WARNING, logger="config.cache")
    for _ in range(5):
        unreachable.get("k")
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1
    assert "rate limits are not enforced" in warnings[0].getMessage()
