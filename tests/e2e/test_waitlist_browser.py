"""Joining the waiting list from the results page and booking the time it holds for you, by
keyboard, in the browser (axe checks every page), with screenshots at 1280 and 375 px."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from consultations import services, waitlist
from consultations.models import Consultation, WaitlistEntry
from consultations.notifications import notifications_sweep
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, booking_settings, make_intake

from .journey import Person, link_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to keep screenshots to look at (WAITLIST_SCREENSHOTS=folder); none by default.
SHOTS = os.environ.get("WAITLIST_SCREENSHOTS", "")


def shoot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})


@pytest.fixture
def full_practice(monkeypatch):
    """Maya fits best but her one time this week is booked; Omar has times."""
    from consultations import tasks

    # No worker here: the test runs the offer pass and the outbox itself.
    monkeypatch.setattr(tasks.offer_waitlist_times, "apply_async", lambda *a, **k: None)
    monkeypatch.setattr(tasks.send_notification, "apply_async", lambda *a, **k: None)
    booking_settings(horizon_days=7)
    common = {"licensed_in": ["NY"], "insurance": ["Aetna"], "languages": ["English", "Spanish"]}
    now = timezone.now()
    # Tomorrow plus one, in New York: far enough for the 12 hours' notice.
    day = (now + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    maya = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        concerns=["anxiety", "sleep"],
        focus_concerns=["anxiety", "sleep"],
        hours=[(day.weekday(), "09:00", "09:15")],
        **common,
    )
    omar = ClinicianFactory(
        first_name="Omar",
        last_name="Haddad",
        concerns=["depression"],
        hours=[(d, "07:00", "21:00") for d in range(7)],
        **common,
    )
    [maya_time] = services.clinician_open_slots(clinician_id=maya.pk, now=now)
    taken = ConsultationFactory(clinician=maya, starts_at=maya_time)
    return maya, omar, taken


def test_a_client_joins_the_waiting_list_and_books_the_time_it_holds(
    full_practice, open_page, settings, live_server
):
    settings.SITE_URL = live_server.url
    maya, _omar, taken = full_practice
    intake, token = make_intake(times=["weekday mornings", "weekends"], consent=True)
    client = Person(open_page(), keyboard=True)

    client.open(f"/intake/r/{token}/")
    section = client.text("#waitlist")
    assert "Maya Chen" in section and "no open consultation time" in section
    assert "who fits that therapist best" in " ".join(section.split())
    shoot(client.page, "waitlist-results")
    client.choose("choice", maya.slug)
    client.select("#id_weeks", "3")
    client.activate('#waitlist-form button[type="submit"]')
    assert "You're on the waiting list for Maya Chen" in client.text()
    shoot(client.page, "waitlist-joined")
    entry = WaitlistEntry.objects.get()
    assert entry.client_reference == intake.pk and entry.status == "waiting"

    # Her client cancels; the time is held for this client and the offer is emailed.
    services.consultation_cancel(consultation_id=taken.pk)
    assert waitlist.waitlist_offer_pass(clinician_id=maya.pk) == 1
    notifications_sweep(now=timezone.now())
    [offer_email] = [m for m in mail.outbox if "held for you" in m.subject]
    offer_link = link_in(offer_email, "/w/offer/")

    client.open(offer_link.removeprefix(live_server.url))
    assert "We're holding this time for you" in client.text()
    shoot(client.page, "waitlist-offer")
    client.activate('main button[value="book"]')
    assert "Your request is in" in client.text()
    shoot(client.page, "waitlist-booked")
    booked = Consultation.objects.get(status="requested")
    assert (booked.clinician, booked.client_reference) == (maya, intake.pk)
    entry.refresh_from_db()
    assert entry.status == "booked"
