import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import BookingSettings, ConsultationEvent
from tests.conftest import grant

from .conftest import MONDAY_9
from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(clinician):
    return ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9, client_summary=[["Goals", "Sleep better"]]
    )


def test_it_lists_consultations_with_filters(staff_client, staff_user, consultation):
    grant(staff_user, "consultations.view_consultation")
    response = staff_client.get(
        reverse("admin:consultations_consultation_changelist"), {"status__exact": "requested"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Maya Chen" in body
    assert reverse("pipeline_dashboard") in body


def test_it_shows_the_intake_summary_only_with_the_permission(
    staff_client, staff_user, consultation
):
    grant(staff_user, "consultations.view_consultation")
    change = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    response = staff_client.get(change)
    assert response.status_code == 200
    assert "Sleep better" not in response.content.decode()
    grant(staff_user, "consultations.view_client_summary")
    assert "Sleep better" in staff_client.get(change).content.decode()


def test_it_keeps_booking_settings_to_one_row(staff_client, staff_user):
    grant(
        staff_user,
        "consultations.view_bookingsettings",
        "consultations.change_bookingsettings",
        "consultations.add_bookingsettings",
    )
    changelist = reverse("admin:consultations_bookingsettings_changelist")
    assert staff_client.get(changelist).url == reverse("admin:consultations_bookingsettings_add")
    row = BookingSettings.objects.create()
    response = staff_client.get(changelist)
    assert response.url == reverse("admin:consultations_bookingsettings_change", args=[row.pk])
    add = staff_client.get(reverse("admin:consultations_bookingsettings_add"))
    assert add.status_code == 403


def test_it_lists_a_consultations_history_in_constant_queries(
    staff_client, staff_user, consultation, django_user_model, django_assert_max_num_queries
):
    grant(staff_user, "consultations.view_consultation")
    grant(staff_user, "consultations.view_consultationevent")
    change = reverse("admin:consultations_consultation_change", args=[consultation.pk])

    def add_events(count):
        for i in range(count):
            actor = django_user_model.objects.create_user(username=f"actor{i}-{count}")
            ConsultationEvent.objects.create(
                consultation=consultation,
                from_status="requested",
                to_status="requested",
                actor="staff",
                actor_user=actor,
            )

    add_events(1)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(change).status_code == 200
    add_events(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(change)
    assert response.status_code == 200
    assert "actor4-5" in response.content.decode()
