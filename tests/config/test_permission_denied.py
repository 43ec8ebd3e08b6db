"""A refused page says which permission it needs and who can grant it, never a bare 403."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from matching.services import intake_submit
from tests.matching.intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice_staff(client, staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(staff_user)
    return staff_user


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_user(
        username="lee", first_name="Lee", last_name="Park", is_staff=True, is_superuser=True
    )


def test_it_names_the_intake_permission_its_group_and_who_can_grant_it(
    client, practice_staff, manager
):
    import datetime as dt

    intake, _raw = intake_submit(
        answers=EXPECTED_ANSWERS, now=dt.datetime(2025, 3, 4, tzinfo=dt.UTC)
    )

    response = client.get(reverse("admin:matching_intake_change", args=[intake.pk]))

    assert response.status_code == 403
    body = response.content.decode()
    assert (
        "Can see clients&#x27; intake answers" in body or "Can see clients' intake answers" in body
    )
    assert "the “Intake reviewers” group" in body
    assert "Lee Park" in body
    assert EXPECTED_ANSWERS["goals"] not in body


def test_it_works_out_the_permission_of_any_admin_page(client, staff_user, manager):
    client.force_login(staff_user)  # staff, but in no group

    response = client.get(reverse("admin:clinicians_clinician_changelist"))

    assert response.status_code == 403
    body = response.content.decode()
    assert "Can view clinician" in body
    assert "the “Practice staff” group" in body
    assert "Lee Park" in body


def test_it_says_whom_to_ask_when_nobody_manages_logins_yet(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:consultations_notification_changelist"))

    assert response.status_code == 403
    assert "Ask whoever runs this site" in response.content.decode()


def test_the_admin_carries_the_practices_name_and_its_login_page_a_heading(client, settings):
    response = client.get(reverse("admin:login"))

    body = response.content.decode()
    assert "<h1>Staff login · Alliance Counseling Group</h1>" in body
    assert "<title>" in body and "Alliance Counseling Group · staff" in body
    assert "Django administration" not in body
