import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_working_hours
from matching.working_hours import add_working_hours

NY = zoneinfo.ZoneInfo("America/New_York")
WEEKDAYS = [(day, "09:00", "17:00") for day in range(5)]


def at(*args):
    return dt.datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Tuesday 10:00 → 14:00 the same day.
        (at(2025, 3, 4, 10), at(2025, 3, 4, 14)),
        # Tuesday 15:30: 1.5 hours today, 2.5 tomorrow → Wednesday 11:30.
        (at(2025, 3, 4, 15, 30), at(2025, 3, 5, 11, 30)),
        # Friday 16:00: 1 hour, then the weekend, then Monday 12:00.
        (at(2025, 3, 7, 16), at(2025, 3, 10, 12)),
        # Saturday night counts from Monday's opening.
        (at(2025, 3, 8, 22), at(2025, 3, 10, 13)),
        # Before opening: from 09:00.
        (at(2025, 3, 4, 6, 45), at(2025, 3, 4, 13)),
    ],
)
def test_it_counts_only_working_hours(start, due):
    assert add_working_hours(start, 4, windows=WEEKDAYS, zone=NY) == due.astimezone(dt.UTC)


def test_it_counts_real_hours_across_a_clock_change():
    # Sunday 9 March 2025 the clocks go forward at 02:00; a 24-hour window that day has 23.
    every_day = [(day, "00:00", "23:59") for day in range(7)]
    start = at(2025, 3, 9, 0, 0)

    due = add_working_hours(start, 4, windows=every_day, zone=NY)

    assert due - start.astimezone(dt.UTC) == dt.timedelta(hours=4)
    assert due.astimezone(NY).hour == 5


def test_it_falls_back_to_plain_hours_without_a_schedule():
    start = at(2025, 3, 8, 22)
    assert add_working_hours(start, 4, windows=[], zone=NY) == (
        start + dt.timedelta(hours=4)
    ).astimezone(dt.UTC)


def test_it_reads_working_hours_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRACTICE_WORKING_HOURS", "mon-wed 09:00-17:00; sat 10:00-12:30")

    assert env_working_hours("PRACTICE_WORKING_HOURS", "") == [
        (0, "09:00", "17:00"),
        (1, "09:00", "17:00"),
        (2, "09:00", "17:00"),
        (5, "10:00", "12:30"),
    ]


@pytest.mark.parametrize("value", ["weekdays 9-5", "mon-fri 17:00-09:00", "fri-mon 09:00-17:00"])
def test_it_names_the_variable_when_working_hours_are_wrong(monkeypatch, value):
    monkeypatch.setenv("PRACTICE_WORKING_HOURS", value)

    with pytest.raises(ImproperlyConfigured, match="PRACTICE_WORKING_HOURS"):
        env_working_hours("PRACTICE_WORKING_HOURS", "")
