import datetime as dt

import pytest

from clinicians.models import AvailabilityException, Clinician, ConsultationHours
from config import snapshots
from consultations import selectors
from consultations.models import Consultation
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
        few = selectors.open_slots_by_clinician(clinician_ids=[clinicians[0].pk], now=NOW)
    with django_assert_num_queries(5):
        many = selectors.open_slots_by_clinician(
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
    result = selectors.open_slots_by_clinician(
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


def test_it_counts_only_confirmations_still_standing_this_week(clinician):
    now = NOW
    for hours, status in enumerate(["confirmed", "cancelled", "completed"], start=1):
        ConsultationFactory(
            clinician=clinician,
            starts_at=MONDAY_9 + dt.timedelta(hours=hours),
            status=status,
            confirmed_at=now - dt.timedelta(hours=hours),
        )

    figures = selectors.dashboard_figures(intakes_submitted=None, now=now)

    # The cancelled one was confirmed this week, but isn't any more.
    assert figures["confirmed_this_week"] == 2


# --- The calendar snapshot (booking rules, zones and weekly hours kept per process) ---------


@pytest.fixture
def reuse(monkeypatch):
    """Use the snapshot inside the test's transaction (outside tests nothing is kept inside a
    transaction, since a booking being made must read everything afresh), and forget it."""
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    selectors.calendar_changed()
    yield
    selectors.calendar_changed()


def _mixed_roster():
    ny = ClinicianFactory()
    london = ClinicianFactory(timezone="Europe/London", hours=[(0, "08:00", "10:00")])
    busy = ClinicianFactory()
    booked = ConsultationFactory(clinician=busy, starts_at=MONDAY_9)
    ConsultationFactory(clinician=busy, starts_at=MONDAY_9 + dt.timedelta(hours=1))
    away = ClinicianFactory()
    AvailabilityException.objects.create(clinician=away, date=dt.date(2026, 3, 2), kind="time_off")
    AvailabilityException.objects.create(
        clinician=away, date=dt.date(2026, 3, 1), kind="extra", start="20:00", end="21:00"
    )
    only_extra = ClinicianFactory(hours=[])
    AvailabilityException.objects.create(
        clinician=only_extra, date=dt.date(2026, 3, 3), kind="extra", start="10:00", end="11:00"
    )
    paused = ClinicianFactory(accepting_new_clients=False)
    gone = ClinicianFactory(is_active=False)
    ids = [c.pk for c in (ny, london, busy, away, only_extra, paused, gone)] + [999999]
    return ids, booked


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"limit": 1},
        {"limit": 3},
        {"until": MONDAY_9 + dt.timedelta(hours=2)},
        {"ignore_consultation_id": "booked"},
    ],
)
def test_it_finds_the_same_times_from_the_snapshot_as_afresh(monkeypatch, kwargs):
    ids, booked = _mixed_roster()
    if kwargs.get("ignore_consultation_id") == "booked":
        kwargs = {"ignore_consultation_id": booked.pk}
    fresh = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, **kwargs)
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    selectors.calendar_changed()
    try:
        cold = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, **kwargs)
        warm = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, **kwargs)
    finally:
        selectors.calendar_changed()
    assert cold == warm == fresh
    assert any(fresh.values()) and fresh[ids[-3]] == fresh[ids[-2]] == fresh[999999] == []


def test_it_reads_only_what_changes_by_the_minute_on_a_repeated_search(
    reuse, django_assert_num_queries
):
    clinicians = [ClinicianFactory() for _ in range(4)]
    ids = [c.pk for c in clinicians]
    with django_assert_num_queries(3):  # booking rules, zones and hours, the live rows
        first = selectors.open_slots_by_clinician(clinician_ids=ids[:2], now=NOW, limit=1)
    with django_assert_num_queries(1):
        again = selectors.open_slots_by_clinician(clinician_ids=ids[:2], now=NOW, limit=1)
    with django_assert_num_queries(2):  # the two not seen yet, then the live rows
        more = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, limit=1)
    assert first == again and more[ids[0]] == first[ids[0]] == [MONDAY_9]


def test_it_sees_a_booking_made_by_another_process_on_the_next_search(reuse):
    booking_settings(horizon_days=3)  # this Monday only
    clinician = ClinicianFactory(hours=[(0, "09:00", "09:30")])
    ids = [clinician.pk]
    assert selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)[clinician.pk] == [
        MONDAY_9,
        MONDAY_9 + dt.timedelta(minutes=15),
    ]
    # Written without model signals, as another process's booking is, as far as this one knows.
    Consultation.objects.bulk_create(
        [ConsultationFactory.build(clinician=clinician, starts_at=MONDAY_9)]
    )
    held = selectors.calendar_snapshot.kept
    assert selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)[clinician.pk] == []
    assert selectors.calendar_snapshot.kept is held  # the snapshot was kept


def test_it_sees_time_off_and_a_pause_at_once(reuse):
    booking_settings(horizon_days=3)  # this Monday only
    clinician = ClinicianFactory(hours=[(0, "09:00", "10:00")])
    ids = [clinician.pk]
    assert selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, limit=1)[clinician.pk]
    AvailabilityException.objects.bulk_create(
        [AvailabilityException(clinician=clinician, date=dt.date(2026, 3, 2), kind="time_off")]
    )
    assert (
        selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, limit=1)[clinician.pk] == []
    )
    AvailabilityException.objects.all().delete()
    Clinician.objects.filter(pk=clinician.pk).update(accepting_new_clients=False)
    assert (
        selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW, limit=1)[clinician.pk] == []
    )


def test_it_sees_new_hours_zone_and_booking_rules_through_its_receivers(reuse):
    booking_settings(horizon_days=3)  # this Monday only
    clinician = ClinicianFactory(hours=[(0, "09:00", "09:15")])
    ids = [clinician.pk]

    def search():
        return selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)[clinician.pk]

    assert search() == [MONDAY_9]
    ConsultationHours.objects.create(
        clinician=clinician, weekday=0, start=dt.time(10), end=dt.time(10, 15)
    )
    assert search() == [MONDAY_9, MONDAY_9 + dt.timedelta(hours=1)]
    clinician.timezone = "America/Chicago"
    clinician.save()
    assert search()[0] == MONDAY_9 + dt.timedelta(hours=1)
    booking_settings(slot_minutes=5, buffer_minutes=0, horizon_days=3)
    assert len(search()) == 6


def test_a_clinicians_new_hours_reread_only_them(reuse, django_assert_num_queries):
    booking_settings(horizon_days=3)  # this Monday only
    changed = ClinicianFactory(hours=[(0, "09:00", "09:15")])
    others = [ClinicianFactory(hours=[(0, "09:00", "09:15")]) for _ in range(3)]
    ids = [changed.pk] + [c.pk for c in others]
    selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)
    ConsultationHours.objects.filter(clinician=changed).update(end=dt.time(9, 30))
    ConsultationHours.objects.create(  # a signal naming this clinician
        clinician=changed, weekday=0, start=dt.time(11), end=dt.time(11, 15)
    )
    with django_assert_num_queries(1):  # the live rows only: everyone else's hours are kept
        selectors.open_slots_by_clinician(clinician_ids=ids[1:], now=NOW)
    with django_assert_num_queries(2):  # the changed clinician's zone and hours, the live rows
        found = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)
    assert found[changed.pk] == [
        MONDAY_9,
        MONDAY_9 + dt.timedelta(minutes=15),
        MONDAY_9 + dt.timedelta(hours=2),
    ]
    assert all(found[c.pk] == [MONDAY_9] for c in others)
    booking_settings(slot_minutes=5, buffer_minutes=0, horizon_days=3)
    with django_assert_num_queries(3):  # new booking rules: everything is read again
        selectors.open_slots_by_clinician(clinician_ids=ids[1:], now=NOW)


def test_it_rebuilds_the_snapshot_after_the_maximum_age(reuse, monkeypatch):
    booking_settings(horizon_days=3)  # this Monday only
    clinician = ClinicianFactory(hours=[(0, "09:00", "09:15")])
    selectors.open_slots_by_clinician(clinician_ids=[clinician.pk], now=NOW)
    held = selectors.calendar_snapshot.kept
    # An update() sends no signal: the snapshot catches up once it is old enough.
    ConsultationHours.objects.filter(clinician=clinician).update(end=dt.time(9, 30))
    monkeypatch.setattr(selectors.calendar_snapshot, "max_age_seconds", 0)
    found = selectors.open_slots_by_clinician(clinician_ids=[clinician.pk], now=NOW)
    assert selectors.calendar_snapshot.kept is not held
    assert found[clinician.pk] == [MONDAY_9, MONDAY_9 + dt.timedelta(minutes=15)]


def test_it_searches_afresh_when_the_cache_is_down(reuse, monkeypatch, django_assert_num_queries):
    clinician = ClinicianFactory()

    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(snapshots.cache, "get", down)
    for _ in range(2):
        with django_assert_num_queries(5):
            found = selectors.open_slots_by_clinician(clinician_ids=[clinician.pk], now=NOW)
    assert found[clinician.pk][0] == MONDAY_9


@pytest.mark.parametrize("snapshot", [False, True])
def test_it_keeps_a_paused_clinicians_times_open_to_existing_clients(monkeypatch, snapshot):
    paused = ClinicianFactory(accepting_new_clients=False)
    inactive = ClinicianFactory(is_active=False)
    ids = [paused.pk, inactive.pk]
    if snapshot:
        monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    selectors.calendar_changed()
    try:
        new_clients = selectors.open_slots_by_clinician(clinician_ids=ids, now=NOW)
        existing = selectors.open_slots_by_clinician(
            clinician_ids=ids, now=NOW, include_paused=True
        )
        one = selectors.clinician_open_slots(
            clinician_id=paused.pk, now=NOW, limit=1, include_paused=True
        )
    finally:
        selectors.calendar_changed()
    assert new_clients == {paused.pk: [], inactive.pk: []}
    assert existing[paused.pk][0] == MONDAY_9
    assert existing[inactive.pk] == []
    assert one == [MONDAY_9]
