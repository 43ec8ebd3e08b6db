import datetime as dt

import pytest
from django.urls import reverse

from matching.models import Intake
from matching.services import intake_submit
from tests.conftest import grant

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def flagged_intake():
    intake, _raw = intake_submit(answers={**EXPECTED_ANSWERS, "safety": "several days"}, now=NOW)
    return intake


def change_url(intake):
    return reverse("admin:matching_intake_change", args=[intake.pk])


def test_it_hides_intakes_from_staff_without_the_permission(
    staff_client, staff_user, flagged_intake
):
    grant(staff_user, "matching.view_intake", "matching.change_intake")

    assert staff_client.get(reverse("admin:matching_intake_changelist")).status_code == 403
    assert staff_client.get(change_url(flagged_intake)).status_code == 403
    response = staff_client.post(change_url(flagged_intake), {"follow_up": "called"})
    assert response.status_code == 403
    assert b"/matching/intake/" not in staff_client.get(reverse("admin:index")).content
    flagged_intake.refresh_from_db()
    assert flagged_intake.follow_up == Intake.FollowUp.PENDING


def test_it_sends_anonymous_visitors_to_the_login(client, flagged_intake):
    response = client.get(reverse("admin:matching_intake_changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_lists_flagged_intakes_for_staff_with_the_permission(
    staff_client, staff_user, flagged_intake
):
    grant(staff_user, "matching.view_intake_answers")
    intake_submit(answers=EXPECTED_ANSWERS, now=NOW)

    response = staff_client.get(
        reverse("admin:matching_intake_changelist"), {"follow_up__exact": "pending"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [flagged_intake]
    assert reverse("admin:matching_intake_add") not in response.content.decode()


def test_it_shows_answers_readably_and_saves_the_follow_up(
    staff_client, staff_user, flagged_intake
):
    grant(staff_user, "matching.view_intake_answers")

    page = staff_client.get(change_url(flagged_intake))
    assert page.status_code == 200
    assert "Sleep through the night" in page.content.decode()
    assert "ana@example.org" in page.content.decode()

    response = staff_client.post(
        change_url(flagged_intake),
        {"follow_up": "called", "follow_up_note": "Spoke at 2pm; safe, booked in."},
    )

    assert response.status_code == 302
    flagged_intake.refresh_from_db()
    assert flagged_intake.follow_up == Intake.FollowUp.CALLED
    assert flagged_intake.follow_up_note == "Spoke at 2pm; safe, booked in."
    assert flagged_intake.answers == {**EXPECTED_ANSWERS, "safety": "several days"}


def test_it_offers_no_add_page(staff_client, staff_user):
    grant(staff_user, "matching.view_intake_answers", "matching.add_intake")
    assert staff_client.get(reverse("admin:matching_intake_add")).status_code == 403
