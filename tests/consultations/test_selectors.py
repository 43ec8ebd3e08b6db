import datetime as dt

import pytest

from clinicians.models import AvailabilityException
from consultations import selectors
from tests.clinicians.factories import ClinicianFactory

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory, booking_settings

pytestmark = pytest.mark.django_db


def test_it_loads_open_slots_for_many_clinicians_in_constant_queries(
    django_assert_num_queries,
):
    clinicians = [ClinicianFactory() for _ in range(6)]
    for clinician in clinicians:
        ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
        AvailabilityException.objects.create(
            clinician=clinician, date=dt.date(2026, 3, 3), kind="time_off"
        )
    with django_assert_num_queries(5):
        few = selectors.clinicians_open_slots(clinician_ids=[clinicians[0].pk], now=NOW)
    with django_assert_num_queries(5):
        many = selectors.clinicians_open_slots(
            clinician_ids=[c.pk for c in clinicians], now=NOW, limit=3
        )
    assert len(few[clinicians[0].pk]) > 3
    assert set(many) == {c.pk for c in clinicians}
    assert all(len(slots) == 3 for slots in many.values())
    assert all(MONDAY_9 not in slots for slots in many.values())


def test_it_gives_no_slots_to_paused_inactive_or_unknown_clinicians():
    paused = ClinicianFactory(accepting_new_clients=False)
    inactive = ClinicianFactory(is_active=False)
    no_hours = ClinicianFactory(hours=[])
    result = selectors.clinicians_open_slots(
        clinician_ids=[paused.pk, inactive.pk, no_hours.pk, 999999], now=NOW
    )
    assert result == {paused.pk: [], inactive.pk: [], no_hours.pk: [], 999999: []}


def test_it_uses_the_practice_settings():
    clinician = ClinicianFactory(hours=[(0, "09:00", "10:00")])
    booking_settings(slot_minutes=30, horizon_days=3)
    slots = selectors.clinician_open_slots(clinician_id=clinician.pk, now=NOW)
    assert slots == [MONDAY_9, MONDAY_9 + dt.timedelta(minutes=30)]


def test_it_counts_the_dashboard_figures(clinician):
    now = NOW
    ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9 + dt.timedelta(hours=1),
        status="confirmed",
        confirmed_at=now - dt.timedelta(hours=1),
    )
    ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9 + dt.timedelta(hours=2),
        status="completed",
        confirmed_at=now - dt.timedelta(days=10),
    )
    figures = selectors.dashboard_figures(intakes_submitted=10, now=now)
    assert figures["awaiting_count"] == 1
    assert figures["confirmed_this_week"] == 1
    funnel = {step["key"]: step for step in figures["funnel"]}
    assert [funnel[k]["count"] for k in ("intakes", "booked", "confirmed", "completed")] == [
        10,
        3,
        2,
        1,
    ]
    assert funnel["booked"]["rate_from_previous"] == 30
    without = selectors.dashboard_figures(intakes_submitted=None, now=now)
    assert without["funnel"][0]["count"] is None
    assert without["funnel"][1]["rate_from_previous"] is None
