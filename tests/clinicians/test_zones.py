from zoneinfo import ZoneInfo

import pytest

from clinicians.zones import zone_or_practice


@pytest.mark.parametrize("name", ["", None, "Mars/Olympus", "../etc", "UTC+99"])
def test_it_falls_back_to_the_practice_zone(settings, name):
    settings.PRACTICE_TIME_ZONE = "America/Chicago"
    assert zone_or_practice(name) == ZoneInfo("America/Chicago")


def test_it_returns_the_named_zone():
    assert zone_or_practice("America/Los_Angeles") == ZoneInfo("America/Los_Angeles")
