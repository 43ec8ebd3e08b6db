import datetime as dt

import pytest
from django.urls import reverse

from consultations.tokens import MANAGE, make_token

from .conftest import MONDAY_9
from .factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(clinician, frozen):
    return ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9, client_timezone="America/Los_Angeles"
    )


def url(name, consultation, token=None):
    return reverse(f"consultations:{name}", args=[token or make_token(consultation, MANAGE)])


def test_it_shows_the_consultation_in_the_clients_zone(client, booked):
    response = client.get(url("manage", booked))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Monday 2 March 2026, 6:00 AM" in body
    assert "Maya Chen" in body
    assert "anxiety" not in body


@pytest.mark.parametrize("token", ["nonsense", "a" * 400, "eyJjIjoiMSJ9:abc:def"])
def test_it_answers_bad_tokens_with_a_friendly_404(client, token):
    response = client.get(reverse("consultations:manage", args=[token]))
    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_it_refuses_an_expired_link(client, booked, frozen):
    link = url("manage", booked)
    frozen.shift(dt.timedelta(days=61))
    assert client.get(link).status_code == 404


def test_it_asks_before_cancelling_and_cancels_only_on_post(client, booked):
    link = url("manage_cancel", booked)
    response = client.get(link)
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.status == "requested"
    response = client.post(link)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    event = booked.events.get()
    assert event.actor == "client"


def test_it_reschedules_to_another_open_time(client, booked):
    link = url("manage_reschedule", booked)
    response = client.get(link)
    assert response.status_code == 200
    new_start = MONDAY_9 + dt.timedelta(hours=1)
    assert new_start.isoformat() in response.content.decode()
    response = client.post(link, {"start": new_start.isoformat()})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == new_start and booked.sequence == 1


def test_it_offers_fresh_times_when_the_new_time_is_taken(client, booked, clinician):
    taken = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(hours=1))
    response = client.post(url("manage_reschedule", booked), {"start": taken.starts_at.isoformat()})
    assert response.status_code == 409
    assert "no longer open" in response.content.decode()
    booked.refresh_from_db()
    assert booked.starts_at == MONDAY_9
    assert client.post(url("manage_reschedule", booked), {"start": "garbage"}).status_code == 400


def test_it_deletes_the_clients_data_after_confirmation(client, booked):
    link = url("manage_delete", booked)
    assert client.get(link).status_code == 200
    booked.refresh_from_db()
    assert booked.client_email
    response = client.post(link)
    assert response.status_code == 200
    booked.refresh_from_db()
    assert (booked.status, booked.client_email, booked.client_summary) == ("cancelled", "", [])
    assert client.get(url("manage", booked, token=link.split("/")[-3])).status_code == 404


def test_it_downloads_the_calendar_invite(client, booked):
    response = client.get(url("manage_ics", booked))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{booked.public_id}@".encode() in response.content
