"""Which time zone a page's times are shown in."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from config.middleware import practice_time_in_admin
from matching.services import intake_submit
from tests.matching.intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
FLAGGED_AT = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)  # 10:30 a.m. in New York


def test_staff_read_admin_times_in_the_practices_zone(client, staff_user, settings):
    settings.PRACTICE_TIME_ZONE = "America/New_York"
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(staff_user)
    intake, _raw = intake_submit(
        answers={**EXPECTED_ANSWERS, "safety": "several days"}, now=FLAGGED_AT
    )

    body = client.get(reverse("admin:matching_samedaycall_change", args=[intake.pk])).content

    assert b"10:30 a.m." in body
    assert b"3:30 p.m." not in body


def test_only_admin_pages_switch_zone_and_only_for_that_request(rf, settings):
    settings.PRACTICE_TIME_ZONE = "America/Chicago"
    zone_seen = practice_time_in_admin(lambda request: timezone.get_current_timezone_name())

    assert zone_seen(rf.get("/" + settings.ADMIN_URL)) == "America/Chicago"
    assert timezone.get_current_timezone_name() == "UTC"
    assert zone_seen(rf.get("/intake/")) == "UTC"
