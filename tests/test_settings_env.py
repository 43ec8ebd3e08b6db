"""A wrong setting stops the app with a message naming the variable."""

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
        (env.env_database, ("sqlite:///x",), "nosuchdb://x", "WIDGET"),
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
