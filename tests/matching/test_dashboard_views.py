import pytest
from django.test import Client
from django.urls import reverse

from tests.clinicians.factories import ClinicianFactory
from tests.consultations.conftest import MONDAY_9
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation():
    clinician = ClinicianFactory(first_name="Maya", last_name="Chen")
    return ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)


def test_it_draws_the_pipeline_dashboard_for_staff(staff_client, consultation):
    response = staff_client.get(reverse("pipeline_dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Requests awaiting confirmation" in body
    assert "Maya Chen" in body
    assert "Intakes submitted" in body and "not available" not in body
    anonymous = Client().get(reverse("pipeline_dashboard"))
    assert anonymous.status_code == 302


def test_it_counts_submitted_intakes_in_the_funnel(staff_client, consultation):
    from tests.consultations.factories import make_intake

    for _ in range(4):
        make_intake()
    body = staff_client.get(reverse("pipeline_dashboard")).content.decode()
    assert "Intakes submitted" in body
    assert "(25%)" in body  # one booking out of four intakes


def test_it_shows_the_call_queue_with_overdue_calls_in_red(staff_client, settings):
    import datetime as dt

    from django.utils import timezone

    from matching.services import intake_submit
    from tests.matching.intake_steps import EXPECTED_ANSWERS

    flagged = {**EXPECTED_ANSWERS, "safety": "several days"}
    intake_submit(answers=flagged, now=timezone.now() - dt.timedelta(days=3))
    intake_submit(answers=flagged, now=timezone.now())
    intake_submit(answers=EXPECTED_ANSWERS, now=timezone.now())

    response = staff_client.get(reverse("pipeline_dashboard"))

    assert response.context["calls"]["open"] == 2
    assert response.context["calls"]["overdue"] == 1
    body = response.content.decode()
    assert "2 people waiting for a call" in body
    assert '<p class="overdue"><strong><a href="/admin/matching/samedaycall/?show=overdue">' in body
    assert "1 not reached within the working hours allowed" in body


def test_every_number_links_to_the_list_behind_it(staff_client, staff_user, consultation):
    from django.contrib.auth.models import Group

    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    staff_user.groups.add(Group.objects.get(name="Intake reviewers"))
    response = staff_client.get(reverse("pipeline_dashboard"))
    links = response.context["links"]

    body = response.content.decode()
    for key in (
        "awaiting",
        "confirmed_this_week",
        "calls_open",
        "booked",
        "confirmed",
        "completed",
    ):
        assert f'href="{links[key]}"'.replace("&", "&amp;") in body, key
    # Each list opens for practice staff and counts what the dashboard counted.
    awaiting = staff_client.get(links["awaiting"])
    assert awaiting.status_code == 200
    assert list(awaiting.context["cl"].result_list) == [consultation]
    for key in ("confirmed_this_week", "booked", "confirmed", "completed", "calls_open", "intakes"):
        page = staff_client.get(links[key])
        assert page.status_code == 200, key
    booked = staff_client.get(links["booked"]).context["cl"].result_count
    assert booked == response.context["figures"]["funnel"][1]["count"]


def test_it_wears_the_admins_header_with_the_practices_name(staff_client):
    body = staff_client.get(reverse("pipeline_dashboard")).content.decode()

    assert "Alliance Counseling Group" in body
    assert "Django administration" not in body


def test_it_names_the_page_once(staff_client):
    body = staff_client.get(reverse("pipeline_dashboard")).content.decode()

    assert body.count("<h1") == 1
    assert body.count("Consultation pipeline</h1>") == 1
