"""The clinician's calendar feed and email choices in the browser: both pages at 1280 and 375
px, axe-clean, the link made and read by a calendar parser (vobject), a new link revoking the
old one, and the email choices saved or refused with a message.

Screenshots go to CALENDAR_SCREENSHOTS (a folder) when it is set, to be looked at."""

import datetime as dt
import os
from pathlib import Path

import pytest
import vobject
from django.utils import timezone

from consultations.models import Consultation, NotificationPreferences
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory

from .conftest import assert_fits_width, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
ROOM = "https://meet.example.org/maya-chen"


def shot(page, name: str) -> None:
    folder = os.environ.get("CALENDAR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def maya(django_user_model):
    user = django_user_model.objects.create_user(username="maya", password="maya-pass-123")
    maya = ClinicianFactory(first_name="Maya", last_name="Chen", user=user, video_url=ROOM)
    start = (timezone.now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    ConsultationFactory(
        clinician=maya,
        status=Consultation.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        client_first_name="Zoë",
        client_summary=[["Goals", "Quetzal-Marmalade-Lighthouse-4471"]],
    )
    ConsultationFactory(
        clinician=maya,
        starts_at=start + dt.timedelta(hours=2),
        ends_at=start + dt.timedelta(hours=2, minutes=15),
        client_first_name="Ben",
        format="phone",
    )
    return maya


def logged_in(open_page, live_server, client, user, viewport=None):
    client.force_login(user)
    page = open_page(viewport=viewport) if viewport else open_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_the_clinician_makes_a_calendar_link_that_a_calendar_reads(
    open_page, live_server, client, maya
):
    for viewport, name in ((DESKTOP, "1280"), (None, "375")):
        page = logged_in(open_page, live_server, client, maya.user, viewport)
        page.goto("/consultations/portal/")
        page.click("text=Calendar feed")
        assert page.locator("h1").inner_text() == "See your consultations in your own calendar"
        if viewport is None:
            assert_fits_width(page)
        axe_check(page)
        shot(page, f"calendar-none-{name}")

    page.click("text=Make my calendar link")
    link = page.input_value("#feed-url")
    assert "/consultations/calendar/" in link and link.endswith(".ics")
    assert_fits_width(page)
    axe_check(page)
    shot(page, "calendar-made-375")

    path = link[link.index("/consultations/calendar/") :]
    response = page.request.get(path)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = vobject.readOne(response.text(), validate=True)
    summaries = sorted(event.summary.value for event in calendar.vevent_list)
    assert summaries == [
        "Free consultation: Zoë (video)",
        "Request: Ben (phone), not confirmed yet",
    ]
    assert "Quetzal" not in response.text()

    page.goto("/consultations/portal/calendar/")
    assert "Your link is on" in page.inner_text("main")
    assert "A calendar last read it on" in page.inner_text("main")
    axe_check(page)
    shot(page, "calendar-on-375")
    page.click("text=Make a new link")
    assert page.input_value("#feed-url") != link
    assert page.request.get(path).status == 404

    wide = logged_in(open_page, live_server, client, maya.user, DESKTOP)
    wide.goto("/consultations/portal/calendar/")
    wide.click("text=Make a new link")
    axe_check(wide)
    shot(wide, "calendar-made-1280")


def test_the_clinician_chooses_their_emails(open_page, live_server, client, maya):
    for viewport, name in ((DESKTOP, "1280"), (None, "375")):
        page = logged_in(open_page, live_server, client, maya.user, viewport)
        page.goto("/consultations/portal/")
        page.click("text=Email choices")
        assert page.locator("h1").inner_text() == "Which emails you get"
        if viewport is None:
            assert_fits_width(page)
        axe_check(page)
        shot(page, f"emails-{name}")

    page.uncheck("#id_new_requests")
    page.check("#id_digest")
    page.fill("#id_digest_time", "")
    page.click('main button[type="submit"]')
    assert "Choose the time of day for the summary" in page.inner_text("main")
    axe_check(page)
    shot(page, "emails-error-375")
    assert not NotificationPreferences.objects.exists()

    page.uncheck("#id_new_requests")
    page.check("#id_digest")
    page.fill("#id_digest_time", "07:30")
    page.click('main button[type="submit"]')
    assert "Your email choices are saved." in page.inner_text("main")
    saved = NotificationPreferences.objects.get()
    assert (saved.new_requests, saved.digest, saved.digest_time) == (False, True, dt.time(7, 30))
