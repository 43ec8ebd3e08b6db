"""After a cancellation the client's matches are unchanged, and a next-matches page that
suggests relaxing an answer lets them change it and come back, by keyboard, in the browser."""

import datetime as dt

import pytest
from django.utils import timezone

from consultations.models import Consultation
from consultations.tokens import MANAGE, make_token
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, make_intake

from .journey import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERY_DAY = [(day, "07:00", "21:00") for day in range(7)]


@pytest.fixture
def practice():
    common = {
        "licensed_in": ["NY"],
        "hours": EVERY_DAY,
        "insurance": ["Aetna"],
        "languages": ["English", "Spanish"],
        "concerns": ["anxiety", "sleep"],
    }
    maya = ClinicianFactory(first_name="Maya", last_name="Chen", gender="woman", **common)
    omar = ClinicianFactory(first_name="Omar", last_name="Haddad", gender="man", **common)
    return maya, omar


@pytest.mark.parametrize("javascript", [True, False], ids=["keyboard", "keyboard-no-javascript"])
def test_it_keeps_a_cancelled_clinician_and_lets_the_client_change_an_answer(
    practice, open_page, javascript, settings, live_server
):
    settings.SITE_URL = live_server.url  # the manage page links to the next matches in full
    maya, _omar = practice
    intake, _token = make_intake(
        preferences={"gender": {"value": "woman", "importance": "must"}}, consent=True
    )
    consultation = ConsultationFactory(
        clinician=maya,
        client_reference=intake.pk,
        starts_at=(timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0),
    )
    if javascript:
        client = Person(open_page(), keyboard=True)
    else:
        client = Person(open_page(java_script_enabled=False), keyboard=True, axe_page=open_page())

    # The client cancels from the manage link.
    client.open(f"/consultations/manage/{make_token(consultation, MANAGE)}/")
    client.activate('main a[href$="/cancel/"]')
    client.activate('main form button[type="submit"]')
    assert "is cancelled" in client.text()
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CANCELLED

    # Their matches are unchanged: Maya is still there, and nothing says "not the right fit".
    client.activate('main a[href*="/intake/next/"]')
    assert client.text("h1") == "Your matches"
    page = client.text()
    assert "Your consultation with Maya Chen is cancelled." in page
    assert "right fit" not in page
    assert "Maya Chen" in client.text("main ol")
    assert "Omar Haddad" not in page  # a man: the client's gender must-have

    # Few matches: each suggestion offers to change the answer behind it.
    suggestions = client.page.locator("section[aria-labelledby=relax-heading] li")
    assert suggestions.count() == 1
    assert "Change this answer" in suggestions.first.inner_text()
    client.activate('section[aria-labelledby=relax-heading] a[href*="/edit/therapist/"]')
    # The therapist step, opened at the question behind the suggestion.
    assert client.page.url.endswith("/intake/step/therapist/#div_id_gender")
    client.choose("gender_importance", "nice")
    client.activate('button[name="nav"][value="next"]')
    assert client.page.url.endswith("/intake/review/")
    client.activate('#intake-form button[type="submit"]')

    # Back on the same next-matches page, now with Omar too.
    assert "/intake/next/" in client.page.url
    assert client.text("h1") == "Your matches"
    shown = client.text("main ol")
    assert "Maya Chen" in shown and "Omar Haddad" in shown
    intake.refresh_from_db()
    assert intake.answers["preferences"]["gender"] == {"value": "woman", "importance": "nice"}
