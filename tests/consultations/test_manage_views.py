import datetime as dt

import pytest
from django.urls import reverse

from clinicians.models import Clinician
from consultations.models import Consultation
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


def test_it_does_not_offer_the_current_time_as_another_time(client, booked):
    response = client.get(url("manage_reschedule", booked))

    options = response.context["options"]
    assert MONDAY_9 not in options
    assert len(options) == 8
    assert f'value="{MONDAY_9.isoformat()}"' not in response.content.decode()


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
    # Only a confirmed consultation has an invite (see the next test).
    Consultation.objects.filter(pk=booked.pk).update(status="confirmed")
    response = client.get(url("manage_ics", booked))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{booked.public_id}@".encode() in response.content


def test_it_offers_the_calendar_invite_only_for_a_confirmed_consultation(client, booked):
    ics = url("manage_ics", booked)
    page = client.get(url("manage", booked)).content.decode()
    assert ics not in page
    assert client.get(ics).status_code == 404

    Consultation.objects.filter(pk=booked.pk).update(status="confirmed")
    page = client.get(url("manage", booked)).content.decode()
    assert ics in page
    response = client.get(ics)
    assert response.status_code == 200
    assert b"STATUS:CONFIRMED" in response.content


def test_it_hides_and_refuses_cancel_and_move_once_the_time_has_come(client, booked, frozen):
    Consultation.objects.filter(pk=booked.pk).update(status="confirmed")
    frozen.move_to(MONDAY_9 + dt.timedelta(minutes=5))
    cancel, move = url("manage_cancel", booked), url("manage_reschedule", booked)

    page = client.get(url("manage", booked))
    assert page.status_code == 200
    assert cancel not in page.content.decode() and move not in page.content.decode()
    for response in (
        client.get(cancel),
        client.post(cancel),
        client.get(move),
        client.post(move, {"start": (MONDAY_9 + dt.timedelta(days=1)).isoformat()}),
    ):
        assert response.status_code == 302
    followed = client.get(url("manage", booked)).content.decode()
    assert "can&#x27;t be cancelled or moved" in followed
    booked.refresh_from_db()
    assert (booked.status, booked.starts_at, booked.sequence) == ("confirmed", MONDAY_9, 0)
    assert not booked.events.exists()


def test_it_says_so_when_the_time_comes_while_the_client_is_cancelling(client, booked, monkeypatch):
    from consultations import services

    def started(**kwargs):
        raise services.AlreadyStarted("confirmed")

    monkeypatch.setattr(services, "consultation_cancel", started)
    response = client.post(url("manage_cancel", booked), follow=True)
    assert response.status_code == 200
    assert "can&#x27;t be cancelled or moved" in response.content.decode()
    assert "Your consultation is cancelled" not in response.content.decode()


def test_it_lets_a_client_move_their_time_while_the_clinician_is_paused(client, booked, clinician):
    Clinician.objects.filter(pk=clinician.pk).update(accepting_new_clients=False)
    link = url("manage_reschedule", booked)
    new_start = MONDAY_9 + dt.timedelta(hours=1)
    assert new_start.isoformat() in client.get(link).content.decode()
    assert client.post(link, {"start": new_start.isoformat()}).status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == new_start


def test_it_shows_the_practice_zone_when_the_clients_zone_is_unknown(client, booked):
    Consultation.objects.filter(pk=booked.pk).update(client_timezone="Mars/Olympus_Mons")
    body = client.get(url("manage", booked)).content.decode()
    assert "Monday 2 March 2026, 9:00 AM" in body
    assert "Eastern Time (New York)" in body


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:59:59.999999+00:00",
        "0001-01-01T00:00:00+23:59",
        "2030-01-01T14:00:00+00:00",
    ],
)
def test_a_new_time_outside_the_booking_window_is_a_400(client, booked, start):
    before = booked.starts_at

    response = client.post(url("manage_reschedule", booked), {"start": start})

    assert response.status_code == 400
    assert "That time isn&#x27;t open" in response.content.decode()
    booked.refresh_from_db()
    assert (booked.starts_at, booked.sequence) == (before, 0)
