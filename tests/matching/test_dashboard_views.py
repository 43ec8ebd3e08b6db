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
