import datetime as dt
import threading
import uuid

import pytest
from django.db import connection

from consultations import services
from consultations.models import Consultation
from tests.clinicians.factories import ClinicianFactory

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory, booking_settings

THREADS = 20


def run_together(target, count):
    """Start `count` threads at one barrier; each uses (and closes) its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # collected and asserted by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _book_as(clinician, starts_at, i):
    return services.consultation_book(
        clinician_id=clinician.pk,
        starts_at=starts_at,
        format="video",
        first_name=f"Client {i}",
        email=f"client{i}@example.org",
        timezone="America/New_York",
        client_reference=uuid.uuid4(),
        client_summary=[],
        now=NOW,
    )


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_20_concurrent_clients_book_a_slot():
    clinician = ClinicianFactory()

    results = run_together(lambda i: _book_as(clinician, MONDAY_9, i), THREADS)
    booked = [r for r in results if isinstance(r, Consultation)]
    refused = [r for r in results if isinstance(r, services.SlotUnavailable)]
    assert len(booked) == 1
    assert len(refused) == THREADS - 1
    assert all(MONDAY_9 not in r.next_options for r in refused)
    assert Consultation.objects.filter(status__in=["requested", "confirmed"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_books_once_for_a_double_submit_racing_itself():
    clinician = ClinicianFactory()
    reference = uuid.uuid4()

    def attempt(i):
        return services.consultation_book(
            clinician_id=clinician.pk,
            starts_at=MONDAY_9,
            format="video",
            first_name="Ana",
            email="ana@example.org",
            timezone="America/New_York",
            client_reference=reference,
            client_summary=[],
            now=NOW,
        )

    results = run_together(attempt, 8)
    assert {r.pk for r in results if isinstance(r, Consultation)} == {Consultation.objects.get().pk}
    assert all(isinstance(r, Consultation) for r in results)


@pytest.mark.django_db(transaction=True)
def test_concurrent_expiry_runs_expire_each_request_once():
    clinician = ClinicianFactory()
    for hours in range(5):
        ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(hours=hours))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    results = run_together(lambda i: services.consultations_expire_stale(now=later), 4)
    assert sum(results) == 5
    assert Consultation.objects.filter(status="expired").count() == 5
    assert all(c.events.count() == 1 for c in Consultation.objects.all())


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_buffer_between_adjacent_times_booked_at_once():
    # 9:00 and 9:15 don't overlap, so only the buffer (5 minutes) keeps them apart.
    clinician = ClinicianFactory()
    adjacent = [MONDAY_9, MONDAY_9 + dt.timedelta(minutes=15)]

    results = run_together(lambda i: _book_as(clinician, adjacent[i % 2], i), THREADS)

    booked = [r for r in results if isinstance(r, Consultation)]
    refused = [r for r in results if isinstance(r, services.SlotUnavailable)]
    assert len(booked) == 1
    assert len(refused) == THREADS - 1
    assert Consultation.objects.filter(status__in=["requested", "confirmed"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_daily_cap_when_clients_book_at_once():
    booking_settings(daily_cap=2)
    clinician = ClinicianFactory()
    # Eight times an hour apart on one Monday: no buffer in play, only the cap.
    times = [MONDAY_9 + dt.timedelta(hours=h) for h in range(8)]

    results = run_together(lambda i: _book_as(clinician, times[i], i), len(times))

    booked = [r for r in results if isinstance(r, Consultation)]
    assert len(booked) == 2
    assert all(isinstance(r, services.SlotUnavailable) for r in results if r not in booked)
    assert Consultation.objects.filter(clinician=clinician, status="requested").count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_confirms_only_one_of_two_adjacent_requests_confirmed_at_once():
    clinician = ClinicianFactory()
    requests = [
        ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(minutes=m))
        for m in (0, 15)
    ]

    results = run_together(
        lambda i: services.consultation_confirm(consultation_id=requests[i].pk, now=NOW), 2
    )

    assert sum(isinstance(r, Consultation) for r in results) == 1
    assert sum(isinstance(r, services.SlotUnavailable) for r in results) == 1
    assert Consultation.objects.filter(status="confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_client_booking_several_clinicians_at_once_holds_one_place():
    clinicians = [ClinicianFactory() for _ in range(8)]
    reference = uuid.uuid4()

    def book_one(i):
        return services.consultation_book(
            clinician_id=clinicians[i].pk,
            starts_at=MONDAY_9 + dt.timedelta(hours=i),
            format="video",
            first_name="Ana",
            email="ana@example.org",
            timezone="America/New_York",
            client_reference=reference,
            client_summary=[],
            now=NOW,
        )

    results = run_together(book_one, len(clinicians))

    booked = [r for r in results if isinstance(r, Consultation)]
    refused = [r for r in results if isinstance(r, services.ClientAlreadyBooked)]
    assert (len(booked), len(refused)) == (1, len(clinicians) - 1), results
    assert {r.consultation.pk for r in refused} == {booked[0].pk}
    assert Consultation.objects.filter(client_reference=reference).count() == 1
