from zoneinfo import ZoneInfo

import pytest

from clinicians.zones import zone_label, zone_or_practice


@pytest.mark.parametrize("name", ["", None, "Mars/Olympus", "../etc", "UTC+99"])
def test_it_falls_back_to_the_practice_zone(settings, name):
    settings.PRACTICE_TIME_ZONE = "America/Chicago"
    assert zone_or_practice(name) == ZoneInfo("America/Chicago")


def test_it_returns_the_named_zone():
    assert zone_or_practice("America/Los_Angeles") == ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("America/New_York", "Eastern Time (New York)"),
        (ZoneInfo("America/Chicago"), "Central Time (Chicago)"),
        ("America/Phoenix", "Mountain Time, no daylight saving (Phoenix)"),
        ("America/Los_Angeles", "Pacific Time (Los Angeles)"),
        ("Pacific/Honolulu", "Hawaii Time (Honolulu)"),
        ("America/Indiana/Indianapolis", "Eastern Time (Indianapolis)"),
        ("Europe/Madrid", "Madrid time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("UTC", "Coordinated Universal Time (UTC)"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_names_a_zone_as_people_read_it(zone, label):
    assert zone_label(zone) == label
