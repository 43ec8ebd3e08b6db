"""A clinician's public profile: the next open times and where "Book a free consultation" leads,
for a visitor without results (the intake) and for a client whose results this browser opened
(booking in one step, when the clinician is among their matches). Never the client's answers."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from matching.models import Intake
from matching.results_views import RESULTS_SESSION_KEY
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory

from .scoring_data import intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya():
    return ClinicianFactory(
        first_name="Maya", last_name="Chen", concerns=["trauma and PTSD", "anxiety"]
    )


def make_intake(**changes) -> str:
    raw, digest = new_token()
    Intake.objects.create(
        token_hash=digest,
        answers=intake(
            concerns_text="The ferry crossing still comes back at night.",
            first_name="Ana",
            **changes,
        ),
        submitted_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    return raw


def profile(client, clinician) -> str:
    response = client.get(reverse("clinicians:profile", args=[clinician.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_without_results_sees_the_next_times_and_starts_the_intake(client, maya):
    html = profile(client, maya)

    assert "Next open times" in html
    assert "Tue 3 Mar, 9:00 AM" in html  # the first time past 12 hours' notice, New York
    assert "Times in Eastern Time (New York)." in html
    assert re.search(r'href="/intake/"[^>]*>Book a free consultation<', html)
    assert "/book/" not in html


def test_a_client_with_results_books_in_one_step(client, maya):
    token = make_intake()
    assert client.get(reverse("matching:results", args=[token])).status_code == 200
    assert client.session[RESULTS_SESSION_KEY] == token

    html = profile(client, maya)

    book = reverse("matching:book", args=[token, maya.slug])
    assert f'href="{book}"' in html
    assert html.count(f'href="{book}?start=') == 3
    assert "Book Tue 3 Mar, 9:00 AM" in html
    # Nothing the client told us is on the page.
    for private in ("ferry crossing", "Ana", "ana@example.org", "trauma and PTSD, anxiety"):
        assert private not in html
    assert response_varies_on_cookie(client, maya)


def response_varies_on_cookie(client, clinician) -> bool:
    response = client.get(reverse("clinicians:profile", args=[clinician.slug]))
    return "Cookie" in response.get("Vary", "")


def test_a_clinician_outside_the_clients_matches_sends_them_back_to_their_matches(client, maya):
    spanish_only = ClinicianFactory(first_name="Rosa", last_name="Diaz", languages=["Spanish"])
    token = make_intake(preferences={"language": {"value": "English", "importance": "must"}})
    client.get(reverse("matching:results", args=[token]))

    html = profile(client, spanish_only)

    assert "Rosa isn't among your matches" in html
    assert f'href="{reverse("matching:results", args=[token])}"' in html
    assert "/book/" not in html


def test_an_expired_or_deleted_results_link_counts_for_nothing(client, maya):
    token = make_intake()
    client.get(reverse("matching:results", args=[token]))
    Intake.objects.all().delete()

    html = profile(client, maya)

    assert re.search(r'href="/intake/"[^>]*>Book a free consultation<', html)
    assert RESULTS_SESSION_KEY not in client.session


def test_deleting_the_answers_forgets_the_results_in_this_browser(client, maya):
    token = make_intake()
    client.get(reverse("matching:results", args=[token]))

    client.post(reverse("matching:delete", args=[token]))

    assert RESULTS_SESSION_KEY not in client.session


def test_clinicians_imports_neither_consultations_nor_matching():
    from pathlib import Path

    import clinicians

    root = Path(clinicians.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) (consultations|matching)\b", text, re.M), path
