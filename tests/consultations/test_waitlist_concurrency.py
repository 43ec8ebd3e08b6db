"""Cancellations, offer passes, acceptances and outside bookings racing on PostgreSQL: no time is
ever booked twice, held for two clients at once, or held while booked by someone else."""

import datetime as dt
import threading
import time
import uuid

import pytest
from django.db import connection

from consultations import services, waitlist
from consultations.models import Consultation, WaitlistEntry, WaitlistOffer
from tests.clinicians.factories import ClinicianFactory

from .conftest import MONDAY_9, NOW
from .factories import booking_settings
from .test_concurrency import run_together

SLOTS = [MONDAY_9 + dt.timedelta(minutes=15 * i) for i in range(4)]  # 09:00–10:00 New York
WAITING = 6
OUTSIDERS = 3
ROUNDS = 12

# One statement, so one snapshot: a held, unexpired offer overlapping someone else's active
# booking, or two held offers of one clinician overlapping.
HELD_OVER_BOOKING = """
    SELECT count(*) FROM consultations_waitlistoffer o
      JOIN consultations_consultation c
        ON c.clinician_id = o.clinician_id AND c.status IN ('requested', 'confirmed')
       AND tstzrange(c.starts_at, c.ends_at) && tstzrange(o.starts_at, o.ends_at)
     WHERE o.status = 'held' AND o.expires_at > %s
"""
HELD_TWICE = """
    SELECT count(*) FROM consultations_waitlistoffer a
      JOIN consultations_waitlistoffer b
        ON a.clinician_id = b.clinician_id AND a.id < b.id
       AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
     WHERE a.status = 'held' AND b.status = 'held'
"""


@pytest.fixture
def quiet_broker(monkeypatch):
    """No worker here: the races are run by the threads themselves."""
    from consultations import tasks

    for task in (tasks.offer_waitlist_times, tasks.send_notification):
        monkeypatch.setattr(task, "apply_async", lambda *a, **k: None)


def _book(clinician, start, name, reference=None):
    return services.consultation_book(
        clinician_id=clinician.pk,
        starts_at=start,
        format="video",
        first_name=name,
        email=f"{name.lower().replace(' ', '')}@example.org",
        timezone="America/New_York",
        client_reference=reference or uuid.uuid4(),
        client_summary=[],
        now=NOW,
    )


@pytest.mark.django_db(transaction=True)
def test_cancellations_offers_acceptances_and_bookings_racing_never_double_book(quiet_broker):
    # No buffer and no cap: four independent times, so every clash is a real one.
    booking_settings(horizon_days=3, buffer_minutes=0, daily_cap=0)
    clinician = ClinicianFactory(hours=[(0, "09:00", "10:00")])
    booked = [_book(clinician, start, f"Booked {i}") for i, start in enumerate(SLOTS)]
    entries = [
        waitlist.waitlist_join(
            client_reference=uuid.uuid4(),
            fits=[(clinician.pk, 60 + 5 * i)],
            any_top_match=False,
            times=["weekday mornings"],
            weeks=2,
            first_name=f"Waiting {i}",
            email=f"waiting{i}@example.org",
            timezone="America/New_York",
            format="video",
            now=NOW - dt.timedelta(hours=i),
        )
        for i in range(WAITING)
    ]
    violations: list[tuple[str, int]] = []
    done = threading.Event()
    # The cancelling threads that have made their last offer pass: a waiting client keeps
    # looking for a hold until every one has, so an offer made late, on a slow machine, is
    # still answered.
    passes_finished = []
    lock = threading.Lock()
    offering_done = threading.Event()

    def watch():
        # Checks the invariants over and over while the others race.
        try:
            with connection.cursor() as cursor:
                while not done.is_set():
                    cursor.execute(HELD_OVER_BOOKING, [NOW])
                    over = cursor.fetchone()[0]
                    cursor.execute(HELD_TWICE)
                    twice = cursor.fetchone()[0]
                    if over or twice:
                        violations.append(("held over booking" if over else "held twice", 1))
        finally:
            connection.close()

    def race(i):
        outcomes = []
        if i < len(booked):  # cancel one booking, then keep offering
            services.consultation_cancel(consultation_id=booked[i].pk, now=NOW)
            try:
                for _ in range(ROUNDS):
                    outcomes.append(
                        waitlist.waitlist_offer_pass(clinician_id=clinician.pk, now=NOW)
                    )
            finally:
                with lock:
                    passes_finished.append(i)
                    if len(passes_finished) == len(booked):
                        offering_done.set()
        elif i < len(booked) + WAITING:  # a waiting client accepting whatever is held for them
            entry = entries[i - len(booked)]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                # Read before looking, so a hold made by the last pass is still seen.
                last_look = offering_done.is_set()
                offer = WaitlistOffer.objects.filter(entry=entry, status="held").first()
                if offer is None:
                    if last_look:
                        break
                    continue
                try:
                    outcomes.append(
                        waitlist.waitlist_offer_accept(
                            offer_id=offer.pk, client_summary=[], now=NOW
                        )
                    )
                    break  # booked: they leave the list
                except (waitlist.HoldLapsed, services.SlotUnavailable) as exc:
                    outcomes.append(exc)
        else:  # someone from outside trying every time directly
            for round_ in range(ROUNDS):
                start = SLOTS[(i + round_) % len(SLOTS)]
                try:
                    outcomes.append(_book(clinician, start, f"Outsider {i} {round_}"))
                except (services.SlotUnavailable, services.ClientAlreadyBooked) as exc:
                    outcomes.append(exc)
        return outcomes

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = run_together(race, len(booked) + WAITING + OUTSIDERS)
    finally:
        done.set()
        watcher.join()

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []  # every thread ran to the end (refusals are recorded, not raised)
    assert violations == []
    active = Consultation.objects.filter(status__in=["requested", "confirmed"])
    # Each of the four times is booked at most once, and nobody holds one twice.
    starts = list(active.values_list("starts_at", flat=True))
    assert len(starts) == len(set(starts)) <= len(SLOTS)
    with connection.cursor() as cursor:
        cursor.execute(HELD_OVER_BOOKING, [NOW])
        assert cursor.fetchone()[0] == 0
        cursor.execute(HELD_TWICE)
        assert cursor.fetchone()[0] == 0
    # Every taken offer is exactly one booking of that client at that time.
    for offer in WaitlistOffer.objects.filter(status="taken").select_related("consultation"):
        assert offer.consultation.starts_at == offer.starts_at
        assert offer.consultation.client_reference == offer.entry.client_reference
        assert offer.consultation.status in ("requested", "confirmed")
    # A client who booked left the list, and holds nothing.
    for entry in WaitlistEntry.objects.filter(status="booked"):
        assert not entry.offers.filter(status="held").exists()
    # Something actually raced: times were freed, offered and taken.
    assert WaitlistOffer.objects.exists()
    assert active.count() >= 1
