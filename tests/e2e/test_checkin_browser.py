"""A client's check-in in the browser: the form at phone and desktop widths, what it says when
an answer is missing, the safety question when things got worse, the no-blame switch to the next
match after a low check-in, and the one-click stop. axe-clean throughout.

Screenshots go to CHECKIN_SCREENSHOTS (a folder) when it is set, to be looked at."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from consultations import checkins
from consultations.models import CheckIn, Consultation, Engagement
from consultations.tokens import CHECKIN_STOP, make_checkin_token, make_token
from matching.models import SameDayCall
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, make_intake

from .conftest import assert_fits_width, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERY_DAY = [(day, "07:00", "21:00") for day in range(7)]
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    folder = os.environ.get("CHECKIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def therapy():
    common = {
        "licensed_in": ["NY"],
        "hours": EVERY_DAY,
        "insurance": ["Aetna"],
        "languages": ["English", "Spanish"],
        "concerns": ["anxiety", "sleep"],
    }
    maya = ClinicianFactory(first_name="Maya", last_name="Chen", **common)
    ClinicianFactory(first_name="Omar", last_name="Haddad", **common)
    intake, _raw = make_intake(
        concerns=["anxiety"],
        preferences={},
        phq_interest=1,
        phq_mood=1,
        gad_nervous=1,
        gad_worry=1,
        consent=True,
    )
    start = (timezone.now() - dt.timedelta(days=20)).replace(second=0, microsecond=0)
    consultation = ConsultationFactory(
        clinician=maya,
        status=Consultation.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        client_reference=intake.pk,
        client_first_name="Ana",
    )
    checkins.engagement_record(
        consultation_id=consultation.pk,
        started=True,
        first_session_on=(start + dt.timedelta(days=3)).date(),
        user_id=None,
    )
    return consultation


def fill(page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        page.check(f'input[name="{name}"][value="{value}"]')


def test_the_checkin_form_at_two_widths_then_a_low_one_and_the_switch(open_page, therapy):
    path = f"/consultations/check-in/{make_checkin_token(therapy, 2)}/"

    wide = open_page(viewport=DESKTOP)
    wide.goto(path)
    assert wide.locator("h1").inner_text() == "Your check-in"
    axe_check(wide)
    shot(wide, "checkin-1280")

    page = open_page()
    page.goto(path)
    assert_fits_width(page)
    axe_check(page)
    shot(page, "checkin-375")

    # Sent without the alliance answers: the summary says what to fix, and it is axe-clean.
    page.click('main button[type="submit"]')
    assert page.locator("#error-summary").is_visible()
    assert "Choose how true this is" in page.locator("#error-summary").inner_text()
    axe_check(page)
    shot(page, "checkin-errors-375")

    fill(
        page,
        {
            "phq_interest": "1",
            "phq_mood": "1",
            "alliance_goals": "1",
            "alliance_tasks": "2",
            "alliance_understood": "2",
            "alliance_honest": "3",
        },
    )
    page.fill("#id_note", "I'm not sure we're working on the right thing.")
    page.click('main button[type="submit"]')
    assert page.locator("h1").inner_text() == "Thank you for your check-in"
    assert "If it doesn't feel right, that's okay" in page.inner_text("main")
    axe_check(page)
    shot(page, "checkin-thanks-375")
    checkin = CheckIn.objects.get()
    assert checkin.low_alliance and not checkin.note_shared

    page.click("text=Show me my next match")
    main = page.inner_text("main")
    assert "Omar" in main and "Maya" not in main
    assert Engagement.objects.get().switched_at is not None


def test_worse_symptoms_ask_the_safety_question_in_the_browser(open_page, therapy):
    page = open_page()
    page.goto(f"/consultations/check-in/{make_checkin_token(therapy, 2)}/")
    fill(
        page,
        {
            "phq_interest": "3",
            "phq_mood": "3",
            "gad_nervous": "1",
            "gad_worry": "1",
            "alliance_goals": "3",
            "alliance_tasks": "3",
            "alliance_understood": "4",
            "alliance_honest": "4",
        },
    )
    page.click('main button[type="submit"]')
    assert page.locator("h1").inner_text() == "One more question"
    axe_check(page)
    shot(page, "checkin-safety-375")

    page.check('input[name="safety"][value="several days"]')
    page.click('main button[type="submit"]')
    assert "988" in page.inner_text("main")
    axe_check(page)
    shot(page, "checkin-crisis-375")
    assert SameDayCall.objects.filter(pk=therapy.client_reference).exists()


def test_the_stop_page_is_one_button(open_page, therapy):
    page = open_page()
    page.goto(f"/consultations/check-ins/stop/{make_token(therapy, CHECKIN_STOP)}/")
    axe_check(page)
    page.click('main button[type="submit"]')
    assert page.locator("h1").inner_text() == "Check-in emails stopped"
    axe_check(page)
    shot(page, "checkin-stopped-375")
    assert Engagement.objects.get().checkins_stopped_at is not None


def test_the_clinician_records_a_start_and_reads_a_low_checkin_in_the_portal(
    open_page, live_server, client, django_user_model
):
    user = django_user_model.objects.create_user(username="maya", password="maya-pass-123")
    maya = ClinicianFactory(first_name="Maya", last_name="Chen", user=user)
    intake, _raw = make_intake(phq_interest=1, phq_mood=1, gad_nervous=1, gad_worry=1)
    start = (timezone.now() - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    consultation = ConsultationFactory(
        clinician=maya,
        status=Consultation.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        client_reference=intake.pk,
        client_first_name="Ana",
    )
    client.force_login(user)

    for viewport, name in ((DESKTOP, "1280"), (None, "375")):
        page = open_page(viewport=viewport) if viewport else open_page()
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}]
        )  # fmt: skip
        page.goto("/consultations/portal/")
        assert "Starting to work with Ana?" in page.inner_text("main")
        if viewport is None:
            assert_fits_width(page)
        axe_check(page)
        shot(page, f"portal-start-{name}")

    page.check(f"#started-yes-{consultation.public_id}")
    page.fill(f"#first-{consultation.public_id}", str(timezone.now().date()))
    page.click(f'form[action$="/{consultation.public_id}/therapy/"] button[type="submit"]')
    assert "starting to work with Ana" in page.inner_text("main")
    assert Engagement.objects.get().started

    checkins.checkin_record(
        consultation_id=consultation.pk,
        week=2,
        symptoms=[1, 1, 1, 1],
        alliance=[1, 3, 3, 3],
        note="A note she did not share",
        note_shared=False,
    )
    page.goto("/consultations/portal/")
    main = page.inner_text("main")
    assert "Low: worth a conversation" in main
    assert "A note she did not share" not in main
    axe_check(page)
    shot(page, "portal-low-375")
    page.click("text=Mark as read")
    assert CheckIn.objects.get().clinician_seen_at is not None


def test_the_intakes_first_screen_asks_the_four_items_optionally(open_page):
    for viewport, name in ((DESKTOP, "1280"), (None, "375")):
        page = open_page(viewport=viewport) if viewport else open_page()
        page.goto("/intake/step/safety/")
        main = page.inner_text("main")
        assert "Feeling nervous, anxious, or on edge" in main
        assert "(optional)" in main
        if viewport is None:
            assert_fits_width(page)
        axe_check(page)
        shot(page, f"intake-safety-{name}")
    # Only the safety question is needed to go on.
    page.check('input[name="safety"][value="not at all"]')
    page.check('input[name="phq_mood"][value="2"]')
    page.click('main button[type="submit"]')
    assert "/intake/step/safety/" not in page.url
