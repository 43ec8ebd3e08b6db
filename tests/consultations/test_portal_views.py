import datetime as dt

import pytest
from django.urls import reverse

from clinicians.models import AvailabilityException, ConsultationHours
from consultations.models import Consultation, FitCheck

from .conftest import MONDAY_9
from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_for(clinician, frozen):
    return ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9,
        client_first_name="Ana",
        client_summary=[["Goals", "Sleep through the night"]],
    )


def url(name, consultation):
    return reverse(f"consultations:{name}", args=[consultation.public_id])


def test_it_shows_the_owner_requests_first_with_the_intake_summary(client, clinician, request_for):
    ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9 + dt.timedelta(hours=2),
        status="confirmed",
        client_first_name="Ben",
    )
    client.force_login(clinician.user)
    response = client.get(reverse("consultations:portal"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Ana") < body.index("Ben")
    assert "Sleep through the night" in body
    assert "Monday 2 March, 9:00 AM" in body  # in the clinician's zone


def test_it_sends_anonymous_visitors_to_the_login(client, request_for):
    response = client.get(reverse("consultations:portal"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    response = client.post(url("portal_confirm", request_for))
    assert response.status_code == 302
    request_for.refresh_from_db()
    assert request_for.status == "requested"


def test_it_turns_away_staff_without_a_clinician_profile(staff_client, request_for):
    response = staff_client.get(reverse("consultations:portal"))
    assert response.status_code == 403
    assert "clinicians" in response.content.decode()
    assert staff_client.post(url("portal_confirm", request_for)).status_code == 403


def test_it_lets_the_owner_confirm_by_post_only(client, clinician, request_for):
    client.force_login(clinician.user)
    assert client.get(url("portal_confirm", request_for)).status_code == 405
    response = client.post(url("portal_confirm", request_for))
    assert response.status_code == 302
    request_for.refresh_from_db()
    assert request_for.status == "confirmed"
    event = request_for.events.get()
    assert (event.actor, event.actor_user_id) == ("clinician", clinician.user.pk)


def test_another_clinician_gets_a_404(client, other_clinician, request_for):
    client.force_login(other_clinician.user)
    for name in ("portal_confirm", "portal_decline", "portal_complete", "portal_no_show"):
        assert client.post(url(name, request_for)).status_code == 404
    assert client.get(url("portal_decline", request_for)).status_code == 404
    request_for.refresh_from_db()
    assert request_for.status == "requested"
    response = client.get(reverse("consultations:portal"))
    assert "Ana" not in response.content.decode()


def test_it_declines_with_an_optional_message(client, clinician, request_for):
    client.force_login(clinician.user)
    form = client.get(url("portal_decline", request_for))
    assert form.status_code == 200
    assert 'for="id_message"' in form.content.decode()
    response = client.post(url("portal_decline", request_for), {"message": "Try Omar."})
    assert response.status_code == 302
    request_for.refresh_from_db()
    assert (request_for.status, request_for.decline_message) == ("declined", "Try Omar.")


def test_it_marks_past_consultations_completed_or_no_show(client, clinician, frozen):
    done = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    missed = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(hours=1), status="confirmed"
    )
    client.force_login(clinician.user)
    response = client.post(url("portal_complete", done))
    assert response.status_code == 302
    done.refresh_from_db()
    assert done.status == "confirmed"  # not started yet: refused with a message
    frozen.move_to(MONDAY_9 + dt.timedelta(hours=2))
    client.post(url("portal_complete", done))
    client.post(url("portal_no_show", missed))
    done.refresh_from_db()
    missed.refresh_from_db()
    assert (done.status, missed.status) == ("completed", "no_show")


def test_it_refuses_to_confirm_an_overlapping_request_without_a_500(client, clinician, frozen):
    first = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    second = ConsultationFactory(clinician=clinician, starts_at=first.ends_at)
    client.force_login(clinician.user)
    response = client.post(url("portal_confirm", second), follow=True)
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.status == Consultation.Status.REQUESTED


def test_it_pauses_and_resumes_new_clients(client, clinician):
    client.force_login(clinician.user)
    client.post(reverse("consultations:portal_accepting"), {"accepting": "0"})
    clinician.refresh_from_db()
    assert not clinician.accepting_new_clients
    client.post(reverse("consultations:portal_accepting"), {"accepting": "1"})
    clinician.refresh_from_db()
    assert clinician.accepting_new_clients


def _management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_it_edits_weekly_hours_and_exceptions(client, frozen, django_user_model):
    from tests.clinicians.factories import ClinicianFactory

    user = django_user_model.objects.create_user(username="lee", password="x-pass-123")
    clinician = ClinicianFactory(user=user, hours=[(0, "09:00", "12:00")])
    hours = clinician.consultation_hours.get()
    client.force_login(user)
    assert client.get(reverse("consultations:portal_availability")).status_code == 200
    data = {
        **_management("hours", 2, 1),
        "hours-0-id": hours.pk,
        "hours-0-weekday": "0",
        "hours-0-start": "13:00",
        "hours-0-end": "17:30",
        "hours-1-weekday": "2",
        "hours-1-start": "18:00",
        "hours-1-end": "20:00",
        **_management("exceptions", 1, 0),
        "exceptions-0-date": "2026-03-04",
        "exceptions-0-kind": "time_off",
        "exceptions-0-start": "",
        "exceptions-0-end": "",
        "exceptions-0-note": "",
    }
    response = client.post(reverse("consultations:portal_availability"), data)
    assert response.status_code == 302
    assert [(h.weekday, h.start.hour, h.end.hour) for h in clinician.consultation_hours.all()] == [
        (0, 13, 17),
        (2, 18, 20),
    ]
    assert AvailabilityException.objects.get(clinician=clinician).kind == "time_off"


def test_it_explains_bad_hours(client, clinician):
    client.force_login(clinician.user)
    existing = ConsultationHours.objects.filter(clinician=clinician).count()
    data = {
        **_management("hours", 1, 0),
        "hours-0-weekday": "1",
        "hours-0-start": "17:00",
        "hours-0-end": "09:00",
        **_management("exceptions", 0, 0),
    }
    response = client.post(reverse("consultations:portal_availability"), data)
    assert response.status_code == 200
    assert "The end must be after the start." in response.content.decode()
    assert ConsultationHours.objects.filter(clinician=clinician).count() == existing


def test_it_refuses_to_confirm_a_request_whose_time_has_come_without_a_500(
    client, clinician, request_for, frozen
):
    frozen.move_to(MONDAY_9 + dt.timedelta(minutes=1))
    client.force_login(clinician.user)
    response = client.post(url("portal_confirm", request_for), follow=True)
    assert response.status_code == 200
    assert "can&#x27;t be confirmed now" in response.content.decode()
    request_for.refresh_from_db()
    assert request_for.status == "requested"
    assert not request_for.events.exists()


def test_it_refuses_a_no_show_once_the_client_answered_the_fit_check(client, clinician, frozen):
    met = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    FitCheck.objects.create(
        consultation=met, felt_heard=2, agreed_goals=2, approach_makes_sense=2, wants_to_continue=1
    )
    frozen.move_to(MONDAY_9 + dt.timedelta(hours=1))
    client.force_login(clinician.user)
    response = client.post(url("portal_no_show", met), follow=True)
    assert response.status_code == 200
    assert "can&#x27;t be marked as a no-show" in response.content.decode()
    met.refresh_from_db()
    assert met.status == "confirmed"
    assert FitCheck.objects.filter(consultation=met).exists()
