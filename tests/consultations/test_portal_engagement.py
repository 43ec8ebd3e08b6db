"""The clinician's "we're starting to work together" in the portal, and the dashboard's count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations import checkins
from consultations.models import Consultation, Engagement, Notification
from tests.conftest import grant
from tests.consultations.factories import ConsultationFactory, make_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(clinician):
    intake, _raw = make_intake()
    start = (timezone.now() - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    return ConsultationFactory(
        clinician=clinician,
        status=Consultation.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        client_reference=intake.pk,
        client_first_name="Ana",
    )


@pytest.fixture
def portal(client, clinician_user):
    client.force_login(clinician_user)
    return client


def post(portal, consultation, **data):
    return portal.post(
        reverse("consultations:portal_engagement", args=[consultation.public_id]),
        data,
        follow=True,
    )


def test_a_completed_consultation_asks_whether_you_are_starting_to_work_together(portal, completed):
    html = portal.get(reverse("consultations:portal")).content.decode()
    assert "Starting to work with Ana?" in html
    assert "re starting to work together" in html


def test_starting_records_the_first_session_and_schedules_checkins(portal, completed):
    first = (timezone.now() + dt.timedelta(days=3)).date()
    response = post(portal, completed, started="yes", first_session_on=first.isoformat())

    assert "starting to work with Ana" in response.content.decode()
    engagement = Engagement.objects.get(consultation=completed)
    assert engagement.started and engagement.first_session_on == first
    assert Notification.objects.filter(consultation=completed, kind="checkin_w2").exists()
    assert "Working together since" in response.content.decode()


def test_not_continuing_is_recorded_too(portal, completed):
    response = post(portal, completed, started="no")

    assert not Engagement.objects.get(consultation=completed).started
    assert "Ana isn&#x27;t continuing" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"started": "yes"}, "Give the date of the first session"),
        ({"started": "yes", "first_session_on": "2020-01-01"}, "can&#x27;t be before"),
        ({"started": "yes", "first_session_on": "soon"}, "Enter the first session&#x27;s date"),
        ({}, "Choose yes or no."),
    ],
)
def test_a_bad_answer_says_what_to_fix_and_changes_nothing(portal, completed, data, message):
    response = post(portal, completed, **data)

    assert message in response.content.decode()
    assert not Engagement.objects.exists()


def test_a_consultation_not_yet_completed_cant_become_therapy(portal, clinician):
    start = timezone.now() - dt.timedelta(hours=2)
    confirmed = ConsultationFactory(
        clinician=clinician,
        status=Consultation.Status.CONFIRMED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
    )
    response = post(portal, confirmed, started="yes", first_session_on=str(start.date()))

    assert "completed first" in response.content.decode()
    assert not Engagement.objects.exists()


def test_another_clinicians_consultation_is_not_found(client, completed, other_clinician):
    client.force_login(other_clinician.user)
    response = client.post(
        reverse("consultations:portal_engagement", args=[completed.public_id]),
        {"started": "no"},
    )
    assert response.status_code == 404
    assert not Engagement.objects.exists()


def test_the_dashboard_counts_clients_who_started_therapy(staff_client, staff_user, completed):
    grant(staff_user, "consultations.view_consultation")
    checkins.engagement_record(
        consultation_id=completed.pk,
        started=True,
        first_session_on=timezone.now().date(),
        user_id=None,
    )
    response = staff_client.get(reverse("pipeline_dashboard"))

    funnel = {step["key"]: step for step in response.context["figures"]["funnel"]}
    assert funnel["started"]["count"] == 1
    assert funnel["started"]["rate_from_previous"] == 100
    body = response.content.decode()
    assert "Started therapy" in body
    assert "engagement__started__exact=1" in body
    assert response.context["therapy"] == {
        "answered": 0,
        "low": 0,
        "low_unseen": 0,
        "switched": 0,
    }
    # The filtered list behind the number opens.
    link = response.context["links"]["started"]
    listed = staff_client.get(link)
    assert listed.status_code == 200


def test_staff_see_whether_it_became_therapy_but_no_checkin_answer(
    staff_client, staff_user, completed
):
    grant(staff_user, "consultations.view_consultation", "consultations.view_engagement")
    checkins.engagement_record(
        consultation_id=completed.pk,
        started=True,
        first_session_on=timezone.now().date(),
        user_id=None,
    )
    checkins.checkin_record(
        consultation_id=completed.pk,
        week=2,
        symptoms=[3, 3, 3, 3],
        alliance=[0, 1, 1, 1],
        note="Only for my therapist",
        note_shared=True,
    )

    html = staff_client.get(
        reverse("admin:consultations_consultation_change", args=[completed.pk])
    ).content.decode()

    assert "starting to work together" in html.lower()
    assert "first session" in html.lower()
    assert "Only for my therapist" not in html
    assert "Not at all" not in html and "baseline" not in html.lower()
