import datetime as dt
import re
from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse

from consultations.models import Consultation, FitCheck
from consultations.tokens import MANAGE, consultation_from_token

from .conftest import MONDAY_9
from .factories import ConsultationFactory, make_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(frozen):
    return make_intake()


def book_url(raw, clinician, start=None):
    path = reverse("matching:book", args=[raw, clinician.slug])
    return path + ("?" + urlencode({"start": start.isoformat()}) if start else "")


def form_data(when, **extra):
    return {
        "first_name": "Ana",
        "email": "ana@example.org",
        "phone": "",
        "format": "video",
        "start": when.isoformat(),
        **extra,
    }


def test_it_shows_the_time_in_the_clients_zone_with_a_prefilled_form(client, clinician, intake):
    _intake, raw = intake
    response = client.get(book_url(raw, clinician, MONDAY_9))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Monday 2 March 2026, 6:00 AM" in body  # 09:00 New York for a client in Los Angeles
    assert '6:00 AM <span class="text-muted">Pacific Time (Los Angeles)</span>' in body
    assert "America/Los_Angeles" not in body
    assert 'value="ana@example.org"' in body
    assert 'for="id_first_name"' in body


def test_it_books_and_shows_the_manage_link(client, clinician, intake):
    record, raw = intake
    response = client.post(book_url(raw, clinician), form_data(MONDAY_9))
    assert response.status_code == 200
    consultation = Consultation.objects.get()
    assert consultation.status == "requested"
    assert consultation.client_reference == record.id
    assert consultation.client_timezone == "America/Los_Angeles"
    labels = [label for label, _value in consultation.client_summary]
    assert "Goals" in labels and "Concerns (most important first)" in labels
    assert all("not at all" not in value for _label, value in consultation.client_summary)
    body = response.content.decode()
    assert "/consultations/manage/" in body
    assert "Your request is in" in body


def test_a_double_submit_creates_one_consultation(client, clinician, intake):
    _intake, raw = intake
    first = client.post(book_url(raw, clinician), form_data(MONDAY_9))
    second = client.post(book_url(raw, clinician), form_data(MONDAY_9))
    assert (first.status_code, second.status_code) == (200, 200)
    assert Consultation.objects.count() == 1


def test_a_taken_time_offers_the_next_open_times(client, clinician, intake):
    _intake, raw = intake
    ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    response = client.get(book_url(raw, clinician, MONDAY_9))
    assert response.status_code == 200
    # The language switch carries this page's own address (the taken time with it).
    body = re.sub(
        r'<form[^>]*action="/language/".*?</form>', "", response.content.decode(), flags=re.S
    )
    assert "isn&#x27;t open" in body
    assert quote((MONDAY_9 + dt.timedelta(minutes=30)).isoformat(), safe="") in body
    assert quote(MONDAY_9.isoformat(), safe="") not in body


def test_a_lost_race_says_the_time_was_just_taken(client, clinician, intake, monkeypatch):
    _intake, raw = intake
    from consultations import services

    real = services.clinician_open_slots
    calls = []

    def stale_then_real(**kw):
        # The first check ran before another client's booking committed.
        calls.append(kw)
        return [MONDAY_9] if len(calls) == 1 else real(**kw)

    ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    monkeypatch.setattr(services, "clinician_open_slots", stale_then_real)
    response = client.post(book_url(raw, clinician), form_data(MONDAY_9))
    assert response.status_code == 409
    body = response.content.decode()
    assert "That time was just taken" in body
    assert quote((MONDAY_9 + dt.timedelta(minutes=30)).isoformat(), safe="") in body
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "start", ["", "yesterday", "2026-03-02T14:00:00", "2026-02-01T14:00:00+00:00"]
)
def test_it_never_fails_on_a_bad_or_past_time(client, clinician, intake, start):
    _intake, raw = intake
    path = reverse("matching:book", args=[raw, clinician.slug]) + "?" + urlencode({"start": start})
    response = client.get(path)
    # Not a time: choose one (200). A past time is outside the booking window (400).
    assert response.status_code == (400 if start.endswith("+00:00") else 200)
    assert "Open times" in response.content.decode()
    post = client.post(book_url(raw, clinician), form_data(MONDAY_9, start=start))
    assert post.status_code in (400, 409)
    assert not Consultation.objects.exists()


def test_it_asks_for_a_phone_number_for_a_phone_consultation(client, clinician, intake):
    _intake, raw = intake
    response = client.post(book_url(raw, clinician), form_data(MONDAY_9, format="phone"))
    assert response.status_code == 400
    assert "Give a phone number" in response.content.decode()
    assert not Consultation.objects.exists()


def test_it_answers_a_bad_link_or_clinician_with_a_404(client, clinician, intake):
    _intake, raw = intake
    assert client.get(book_url("nope", clinician, MONDAY_9)).status_code == 404
    path = reverse("matching:book", args=[raw, "nobody"])
    assert client.get(path).status_code == 404


def next_book_url(consultation, clinician, start=None):
    from consultations.tokens import FIT_CHECK, make_token

    path = reverse("matching:next_book", args=[make_token(consultation, FIT_CHECK), clinician.slug])
    return path + ("?" + urlencode({"start": start.isoformat()}) if start else "")


def test_it_books_the_next_match_from_the_link_in_a_fit_check_email(
    client, clinician, other_clinician, intake
):
    record, _raw = intake
    first = ConsultationFactory(
        clinician=other_clinician,
        client_reference=record.id,
        status=Consultation.Status.COMPLETED,
        starts_at=MONDAY_9 - dt.timedelta(days=3),
    )

    page = client.get(next_book_url(first, clinician, MONDAY_9))
    assert page.status_code == 200
    assert 'value="ana@example.org"' in page.content.decode()

    response = client.post(next_book_url(first, clinician), form_data(MONDAY_9))
    assert response.status_code == 200
    booked = Consultation.objects.get(clinician=clinician)
    assert booked.client_reference == record.id
    assert booked.status == Consultation.Status.REQUESTED


def test_it_refuses_a_next_match_booking_once_the_client_deleted_their_data(
    client, clinician, other_clinician, intake
):
    from consultations.services import consultation_erase_client

    record, _raw = intake
    first = ConsultationFactory(
        clinician=other_clinician,
        client_reference=record.id,
        status=Consultation.Status.COMPLETED,
        starts_at=MONDAY_9 - dt.timedelta(days=3),
    )
    url = next_book_url(first, clinician)
    consultation_erase_client(client_reference=record.id)

    response = client.post(url, form_data(MONDAY_9))
    assert response.status_code == 404
    assert not Consultation.objects.filter(clinician=clinician).exists()


def test_it_refuses_a_tampered_next_match_link(client, clinician):
    url = reverse("matching:next_book", args=["not-a-real-link", clinician.slug])
    assert client.get(url).status_code == 404


def _not_a_fit(clinician, intake_record):
    """A past consultation with this clinician that the client said wasn't the right fit."""
    past = ConsultationFactory(
        clinician=clinician,
        client_reference=intake_record.id,
        status=Consultation.Status.COMPLETED,
        starts_at=MONDAY_9 - dt.timedelta(days=3),
    )
    FitCheck.objects.create(
        consultation=past, felt_heard=2, agreed_goals=2, approach_makes_sense=3, wants_to_continue=1
    )
    return past


def test_it_refuses_to_book_a_clinician_the_client_said_was_not_a_fit(
    client, clinician, other_clinician, intake
):
    record, raw = intake
    _not_a_fit(clinician, record)
    assert client.get(book_url(raw, clinician, MONDAY_9)).status_code == 404
    assert client.post(book_url(raw, clinician), form_data(MONDAY_9)).status_code == 404
    assert not Consultation.objects.filter(status="requested").exists()
    # Other clinicians are still bookable.
    assert client.get(book_url(raw, other_clinician, MONDAY_9)).status_code == 200


def test_it_refuses_a_next_match_booking_with_a_clinician_the_client_said_was_not_a_fit(
    client, clinician, other_clinician, intake
):
    record, _raw = intake
    _not_a_fit(clinician, record)
    link = ConsultationFactory(
        clinician=other_clinician,
        client_reference=record.id,
        status=Consultation.Status.DECLINED,
        starts_at=MONDAY_9 - dt.timedelta(days=1),
    )
    assert client.get(next_book_url(link, clinician, MONDAY_9)).status_code == 404
    assert client.post(next_book_url(link, clinician), form_data(MONDAY_9)).status_code == 404
    assert not Consultation.objects.filter(status="requested").exists()


def test_it_books_in_the_practice_zone_when_the_intakes_zone_is_unknown(client, clinician, frozen):
    _record, raw = make_intake(timezone="Atlantis/Capital")
    response = client.post(book_url(raw, clinician), form_data(MONDAY_9))
    assert response.status_code == 200
    assert Consultation.objects.get().client_timezone == "America/New_York"
    body = response.content.decode()
    # The manage page's summary: when (in that zone), with whom, how, and the status.
    assert "Monday 2 March 2026, 9:00 AM" in body
    assert "Maya Chen" in body and "Video" in body and "Requested" in body


def test_it_explains_mistakes_in_an_error_summary_like_the_intake(client, clinician, intake):
    _intake, raw = intake
    data = form_data(MONDAY_9, first_name="", email="", format="")
    response = client.post(book_url(raw, clinician), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." not in body
    assert 'id="error-summary"' in body
    assert "<title>Error:" in body
    summary = body[body.index('id="error-summary"') : body.index('id="booking-form"')]
    for anchor, text in (
        ("#id_first_name", "Enter your first name"),
        ("#id_email", "Enter your email address, such as name@example.org."),
        ("#id_format_0", "Choose whether you&#x27;d like to talk by video or by phone."),
    ):
        assert f'href="{anchor}">{text}' in summary
    assert 'id="id_format_0"' in body
    assert "js/error-summary.js" in body
    assert not Consultation.objects.exists()


# Times at the ends of the calendar, or anywhere outside the window between the minimum notice
# and the horizon: the usual "that time isn't open" page, with a 400, and nothing booked.
OUTSIDE = [
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59.999999+00:00",
    "9999-12-31T23:59:59.999999-23:59",
    (MONDAY_9 + dt.timedelta(days=30)).isoformat(),  # beyond the 21-day horizon
    "2026-03-01T18:00:00+00:00",  # inside the 12-hour notice
]


@pytest.mark.parametrize("start", OUTSIDE)
def test_a_start_outside_the_booking_window_is_a_400_on_the_booking_page(
    client, clinician, intake, start
):
    _intake, raw = intake
    path = reverse("matching:book", args=[raw, clinician.slug])

    shown = client.get(path + "?" + urlencode({"start": start}))
    posted = client.post(path, form_data(MONDAY_9, start=start))

    for response in (shown, posted):
        assert response.status_code == 400
        assert "That time isn&#x27;t open" in response.content.decode()
        assert "matching/book_unavailable.html" in [t.name for t in response.templates]
    assert not Consultation.objects.exists()


def test_booking_a_second_consultation_offers_to_move_or_cancel_the_first(
    client, clinician, other_clinician, intake
):
    row, raw = intake
    client.post(book_url(raw, clinician), form_data(MONDAY_9))
    first = Consultation.objects.get()
    later = MONDAY_9 + dt.timedelta(hours=2)

    shown = client.get(book_url(raw, other_clinician, later))
    posted = client.post(book_url(raw, other_clinician), form_data(later))

    assert (shown.status_code, posted.status_code) == (200, 409)
    for response in (shown, posted):
        body = response.content.decode()
        assert "You already have a consultation" in body
        assert "Maya Chen" in body  # the one they hold
        links = re.findall(r'href="(/consultations/manage/[^"]+/(?:reschedule|cancel)/)"', body)
        assert len(links) == 2
        for link in links:
            token = link.split("/")[3]
            assert consultation_from_token(token, MANAGE) == first
    assert Consultation.objects.get() == first

    client.post(links[1])  # cancel it
    assert client.post(book_url(raw, other_clinician), form_data(later)).status_code == 200
    assert Consultation.objects.filter(clinician=other_clinician, status="requested").exists()
