import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consultations import tokens, waitlist
from consultations.models import Consultation, WaitlistEntry, WaitlistOffer
from matching.models import Intake
from matching.scoring import rank
from matching.scoring.profile import ClinicianProfile, Weights
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, booking_settings

from .scoring_data import answers as parsed_answers
from .scoring_data import intake

pytestmark = pytest.mark.django_db
# Monday 2 March 2026, 15:00 UTC (10:00 in New York).
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
# Wednesday 4 March, 09:00 New York.
WEDNESDAY_9 = dt.datetime(2026, 3, 4, 14, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_intake(**changes) -> tuple[Intake, str]:
    raw, digest = new_token()
    row = Intake.objects.create(
        token_hash=digest,
        answers=intake(**changes),
        submitted_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    return row, raw


@pytest.fixture
def full():
    """A good fit whose one consultation time (Wednesday 09:00) is booked: no open time."""
    booking_settings(horizon_days=3)
    maya = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        concerns=["trauma and PTSD", "anxiety"],
        focus_concerns=["trauma and PTSD"],
        insurance=["Aetna"],
        hours=[(2, "09:00", "09:15")],
    )
    taken = ConsultationFactory(clinician=maya, starts_at=WEDNESDAY_9)
    return maya, taken


def test_the_ranking_names_fits_that_lack_only_an_open_time_without_changing_matches():
    a = parsed_answers()
    with_time = ClinicianProfile(
        id=1, email="a@x.org", licensed_states=frozenset({"NY"}), first_open_slot=NOW
    )
    without = ClinicianProfile(id=2, email="b@x.org", licensed_states=frozenset({"NY"}))
    unlicensed = ClinicianProfile(id=3, email="c@x.org")
    args = {"practice_felt_heard": 0.7, "weights": Weights(), "now": NOW}

    ranking = rank(a, [with_time, without, unlicensed], **args)
    alone = rank(a, [with_time], **args)

    assert [m.clinician_id for m in ranking.matches] == [1]
    assert ranking.matches == alone.matches
    assert [m.clinician_id for m in ranking.waitlist] == [2]
    assert 0 < ranking.waitlist[0].fit <= 100


def test_the_results_page_offers_the_waiting_list_for_a_fit_with_no_time(client, full):
    maya, _taken = full
    _row, token = make_intake()
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "Wait for a time" in page
    assert "Maya Chen" in page and "has no open consultation time" in page
    assert reverse("matching:waitlist_join", args=[token]) in page
    assert "fits that\n  therapist best" in page or "fits that therapist best" in page
    # The intake's times are ticked already.
    assert 'value="weekday daytime" checked' in page or (
        'value="weekday daytime"' in page and "checked" in page
    )


def test_joining_for_a_clinician_records_the_place_and_emails_it(client, full):
    maya, _taken = full
    row, token = make_intake(times=["weekday mornings"])
    response = client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": maya.slug, "times": ["weekday mornings", "weekends"], "weeks": "3"},
    )
    assert response.status_code == 200
    assert "You're on the waiting list for Maya Chen" in response.content.decode()
    entry = WaitlistEntry.objects.get()
    assert entry.client_reference == row.pk
    assert entry.times == ["weekday mornings", "weekends"]
    assert entry.ends_at == NOW + dt.timedelta(weeks=3)
    assert [c.clinician for c in entry.choices.all()] == [maya]
    assert entry.choices.get().fit > 0
    # The results page now shows the place and how to leave it.
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "You're on the waiting list for Maya Chen" in page
    assert 'id="waitlist-form"' not in page


def test_joining_for_any_top_match_records_each_with_its_fit(client, full):
    maya, _taken = full
    other = ClinicianFactory(first_name="Joe", last_name="Park", insurance=["Aetna"])
    _row, token = make_intake()
    response = client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": "any", "times": ["weekday daytime"], "weeks": "1"},
    )
    assert response.status_code == 200
    entry = WaitlistEntry.objects.get()
    assert entry.any_top_match
    assert {c.clinician_id for c in entry.choices.all()} == {maya.pk, other.pk}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"times": ["weekday daytime"], "weeks": "2"}, "Choose a therapist"),
        ({"choice": "any", "weeks": "2"}, "Choose at least one time"),
        ({"choice": "any", "times": ["weekday daytime"], "weeks": "6"}, "Select a valid choice"),
        ({"choice": "nobody", "times": ["weekday daytime"], "weeks": "2"}, "Choose one of"),
    ],
)
def test_bad_input_says_what_to_fix_and_changes_nothing(client, full, data, message):
    _row, token = make_intake()
    response = client.post(reverse("matching:waitlist_join", args=[token]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_bad_results_link_cannot_join(client, full):
    response = client.post(
        reverse("matching:waitlist_join", args=["not-a-real-link"]),
        {"choice": "any", "times": ["weekday daytime"], "weeks": "2"},
    )
    assert response.status_code == 404
    assert not WaitlistEntry.objects.exists()


def test_leaving_from_the_email_link(client, full):
    maya, _taken = full
    _row, token = make_intake()
    client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": maya.slug, "times": ["weekday mornings"], "weeks": "2"},
    )
    entry = WaitlistEntry.objects.get()
    url = tokens.waitlist_leave_url(entry).removeprefix("http://127.0.0.1:8000")
    # Opening the link changes nothing (mail scanners open links).
    assert b"Leave the waiting list?" in client.get(url).content
    assert WaitlistEntry.objects.get().status == "waiting"
    response = client.post(url)
    assert "You've left the waiting list" in response.content.decode()
    assert WaitlistEntry.objects.get().status == "left"
    # Leaving revokes nothing it shouldn't, and a tampered link opens nothing.
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_the_booking_page_says_a_held_time_is_held(client, full):
    maya, taken = full
    _row, token = make_intake()
    client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": maya.slug, "times": ["weekday mornings"], "weeks": "2"},
    )
    from consultations import services

    services.consultation_cancel(consultation_id=taken.pk, now=NOW)
    assert waitlist.waitlist_offer_pass(clinician_id=maya.pk, now=NOW) == 1

    _other, other_token = make_intake(email="ben@example.org", first_name="Ben")
    start = "2026-03-04T14:00:00Z"
    url = reverse("matching:book", args=[other_token, maya.slug])
    page = client.get(url, {"start": start}).content.decode()
    assert "held for someone on the waiting list" in page
    response = client.post(
        url,
        {
            "start": start,
            "format": "video",
            "first_name": "Ben",
            "email": "ben@example.org",
            "phone": "",
            "consent": "on",
        },
    )
    assert response.status_code in (400, 409)
    assert "held for someone on the waiting list" in response.content.decode()
    assert not Consultation.objects.filter(status__in=["requested", "confirmed"]).exists()


def test_accepting_an_offer_in_one_click_books_it(client, full):
    maya, taken = full
    row, token = make_intake()
    client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": maya.slug, "times": ["weekday mornings"], "weeks": "2"},
    )
    from consultations import services

    services.consultation_cancel(consultation_id=taken.pk, now=NOW)
    waitlist.waitlist_offer_pass(clinician_id=maya.pk, now=NOW)
    offer = WaitlistOffer.objects.get(status="held")
    url = tokens.waitlist_offer_url(offer).removeprefix("http://127.0.0.1:8000")

    page = client.get(url).content.decode()
    assert "We're holding this time for you" in page
    assert WaitlistOffer.objects.get(pk=offer.pk).status == "held"

    response = client.post(url, {"action": "book"})
    assert response.status_code == 200
    assert "Your request is in" in response.content.decode()
    booked = Consultation.objects.get(status="requested")
    assert (booked.client_reference, booked.starts_at) == (row.pk, WEDNESDAY_9)
    # What the clinician sees of the intake travels with the booking, as from the results page.
    assert booked.client_summary
    assert WaitlistOffer.objects.get(pk=offer.pk).status == "taken"


def test_an_offer_that_ran_out_says_so(client, full, _frozen):
    maya, taken = full
    _row, token = make_intake()
    client.post(
        reverse("matching:waitlist_join", args=[token]),
        {"choice": maya.slug, "times": ["weekday mornings"], "weeks": "2"},
    )
    from consultations import services

    services.consultation_cancel(consultation_id=taken.pk, now=NOW)
    waitlist.waitlist_offer_pass(clinician_id=maya.pk, now=NOW)
    offer = WaitlistOffer.objects.get(status="held")
    url = tokens.waitlist_offer_url(offer).removeprefix("http://127.0.0.1:8000")
    _frozen.move_to(NOW + dt.timedelta(minutes=31))

    response = client.post(url, {"action": "book"})
    assert response.status_code == 409
    assert "no longer held for you" in response.content.decode()
    assert not Consultation.objects.filter(status="requested").exists()
