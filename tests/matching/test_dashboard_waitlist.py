import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import WaitlistChoice, WaitlistEntry, WaitlistOffer
from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def _entry(clinicians, status="waiting", **kw):
    now = timezone.now()
    entry = WaitlistEntry.objects.create(
        client_reference=uuid.uuid4(),
        first_name="Ana",
        email="ana@example.org",
        timezone="America/New_York",
        format="video",
        times=["weekday mornings"],
        status=status,
        created_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=13),
        **kw,
    )
    for clinician in clinicians:
        WaitlistChoice.objects.create(entry=entry, clinician=clinician, fit=80)
    return entry


def _offer(entry, clinician, status, minutes):
    now = timezone.now()
    start = now + dt.timedelta(days=2, minutes=minutes)
    return WaitlistOffer.objects.create(
        entry=entry,
        clinician=clinician,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        status=status,
        expires_at=now + dt.timedelta(minutes=30),
        created_at=now - dt.timedelta(hours=1),
    )


def test_staff_see_who_waits_for_whom_and_what_became_of_the_offers(staff_client):
    maya = ClinicianFactory(first_name="Maya", last_name="Chen")
    omar = ClinicianFactory(first_name="Omar", last_name="Haddad")
    first = _entry([maya, omar])
    second = _entry([maya])
    _entry([omar], status="booked")  # no longer waiting: not counted
    _offer(first, maya, "held", 0)
    _offer(second, maya, "expired", 30)
    _offer(second, omar, "taken", 60)
    _offer(first, omar, "released", 90)

    body = staff_client.get(reverse("pipeline_dashboard")).content.decode()
    text = re.sub(r"<[^>]+>", " ", body)
    text = " ".join(text.split())
    assert "Waiting list : 2" in text or "Waiting list: 2" in text
    assert "Maya Chen 2" in text and "Omar Haddad 1" in text
    assert "Offers sent 4" in text
    assert "Held now 1" in text and "Taken 1" in text
    assert "Not taken in time 1" in text and "Turned down or released 1" in text
