import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consultations import services, waitlist
from consultations.models import (
    Consultation,
    Notification,
    WaitlistEntry,
    WaitlistOffer,
)
from consultations.notifications import notifications_sweep
from tests.clinicians.factories import ClinicianFactory

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory, booking_settings

HOLD = dt.timedelta(minutes=30)


@pytest.fixture
def one_slot_clinician(db):
    """Monday 09:00–09:15 New York only, and a horizon of three days: one time to book."""
    booking_settings(horizon_days=3)
    return ClinicianFactory(first_name="Maya", last_name="Chen", hours=[(0, "09:00", "09:15")])


def join(clinician, fit, *, name="Ana", times=("weekday mornings",), now=NOW, **kw):
    return waitlist.waitlist_join(
        client_reference=kw.pop("reference", uuid.uuid4()),
        fits=[(clinician.pk, fit)],
        any_top_match=False,
        times=list(times),
        weeks=kw.pop("weeks", 2),
        first_name=name,
        email=f"{name.lower()}@example.org",
        timezone="America/New_York",
        format="video",
        now=now,
        **kw,
    )


def book(clinician, start=MONDAY_9, now=NOW, reference=None, name="Zoe"):
    return services.consultation_book(
        clinician_id=clinician.pk,
        starts_at=start,
        format="video",
        first_name=name,
        email=f"{name.lower()}@example.org",
        timezone="America/New_York",
        client_reference=reference or uuid.uuid4(),
        client_summary=[],
        now=now,
    )


def held_offers():
    return list(WaitlistOffer.objects.filter(status="held").select_related("entry"))


def offer_emails(entry):
    return Notification.objects.filter(
        intake_reference=entry.client_reference, kind="waitlist_offer"
    ).exclude(status="cancelled")


def test_a_cancellation_offers_the_time_to_the_best_fitting_waiting_client(
    one_slot_clinician, frozen
):
    taken = book(one_slot_clinician)
    earlier_weaker = join(one_slot_clinician, 70, name="Ben")
    best = join(one_slot_clinician, 88, name="Ana")
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW) == 0

    services.consultation_cancel(consultation_id=taken.pk, now=NOW)
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW) == 1

    [offer] = held_offers()
    assert offer.entry == best
    assert offer.starts_at == MONDAY_9
    assert offer.expires_at == NOW + HOLD
    assert offer_emails(best).count() == 1
    assert offer_emails(earlier_weaker).count() == 0
    # A second pass (a retried task, the sweep) offers nothing more.
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW) == 0

    notifications_sweep(now=NOW)
    [email] = [m for m in mail.outbox if m.to == ["ana@example.org"] and "held" in m.subject]
    assert "Maya Chen" in email.body
    assert "/w/offer/" in email.body
    # The minimum: nothing the client told us about themselves.
    assert "anxiety" not in email.body.casefold()


def test_among_equal_fits_who_has_waited_longest_comes_first(one_slot_clinician, frozen):
    first = join(one_slot_clinician, 80, name="Ana", now=NOW - dt.timedelta(days=2))
    join(one_slot_clinician, 80, name="Ben", now=NOW - dt.timedelta(days=1))
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    assert [o.entry for o in held_offers()] == [first]


def test_a_held_time_is_refused_to_anyone_else_with_until_when(one_slot_clinician, frozen):
    join(one_slot_clinician, 80)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)

    with pytest.raises(services.SlotUnavailable) as refused:
        book(one_slot_clinician)
    assert refused.value.held_until == NOW + HOLD
    assert "held" in str(refused.value)
    assert not Consultation.objects.exists()
    # Nor does any slot search show it.
    from consultations.selectors import clinician_open_slots

    assert clinician_open_slots(clinician_id=one_slot_clinician.pk, now=NOW) == []


def test_after_the_hold_runs_out_the_next_client_gets_the_time(one_slot_clinician, frozen):
    best = join(one_slot_clinician, 90, name="Ana")
    nxt = join(one_slot_clinician, 60, name="Ben")
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    [first] = held_offers()
    assert first.entry == best

    later = NOW + HOLD + dt.timedelta(seconds=1)
    frozen.move_to(later)
    result = waitlist.waitlist_sweep(now=later)

    assert result["expired"] == 1
    first.refresh_from_db()
    assert first.status == "expired"
    [second] = held_offers()
    assert second.entry == nxt
    assert second.starts_at == MONDAY_9
    # Ana stays on the list, but is never offered that same time again.
    best.refresh_from_db()
    assert best.status == "waiting"
    with pytest.raises(waitlist.HoldLapsed):
        waitlist.waitlist_offer_accept(offer_id=first.pk, client_summary=[], now=later)


def test_accepting_books_a_request_and_ends_the_place(one_slot_clinician, frozen):
    entry = join(one_slot_clinician, 80)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    [offer] = held_offers()

    consultation = waitlist.waitlist_offer_accept(
        offer_id=offer.pk, client_summary=[["Concerns", "sleep"]], now=NOW + dt.timedelta(minutes=5)
    )

    assert consultation.status == "requested"
    assert consultation.starts_at == MONDAY_9
    assert consultation.client_reference == entry.client_reference
    assert consultation.client_email == "ana@example.org"
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, offer.consultation) == ("taken", consultation)
    assert entry.status == "booked"
    # A second click returns the same booking.
    again = waitlist.waitlist_offer_accept(offer_id=offer.pk, client_summary=[], now=NOW)
    assert again == consultation
    assert Consultation.objects.count() == 1


def test_booking_elsewhere_ends_the_place_and_releases_its_hold(one_slot_clinician, frozen):
    entry = join(one_slot_clinician, 80)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    other = ClinicianFactory()

    book(other, start=MONDAY_9 + dt.timedelta(hours=1), reference=entry.client_reference)

    entry.refresh_from_db()
    assert entry.status == "booked"
    assert [o.status for o in WaitlistOffer.objects.all()] == ["released"]
    assert book(one_slot_clinician).starts_at == MONDAY_9


def test_a_time_that_does_not_suit_the_client_is_not_offered(one_slot_clinician, frozen):
    join(one_slot_clinician, 80, times=("weekday evenings", "weekends"))
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW) == 0


def test_a_time_too_close_to_hold_is_not_offered(one_slot_clinician, frozen):
    join(one_slot_clinician, 80)
    # 12 hours' notice: at 01:57 UTC on Monday, 09:00 New York is 3 minutes from the notice.
    close = MONDAY_9 - dt.timedelta(hours=12, minutes=3)
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=close) == 0
    hold_until = MONDAY_9 - dt.timedelta(hours=12, minutes=20)
    assert waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=hold_until) == 1
    [offer] = held_offers()
    # The hold ends when the time comes within the minimum notice, not later.
    assert offer.expires_at == MONDAY_9 - dt.timedelta(hours=12)


def test_one_place_per_client(one_slot_clinician, frozen):
    entry = join(one_slot_clinician, 80)
    with pytest.raises(waitlist.AlreadyWaiting):
        join(one_slot_clinician, 80, reference=entry.client_reference)
    # The database says the same.
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistEntry.objects.create(
            client_reference=entry.client_reference,
            first_name="Ana",
            email="a@example.org",
            timezone="America/New_York",
            format="video",
            times=["weekends"],
            created_at=NOW,
            ends_at=NOW + dt.timedelta(days=7),
        )


def test_a_client_with_a_booking_cannot_join(one_slot_clinician, frozen):
    reference = uuid.uuid4()
    book(one_slot_clinician, reference=reference)
    with pytest.raises(services.ClientAlreadyBooked):
        join(one_slot_clinician, 80, reference=reference)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"weeks": 5}, "weeks"), ({"weeks": 0}, "weeks"), ({"times": ()}, "times")],
)
def test_bad_input_says_what_to_fix_and_changes_nothing(one_slot_clinician, changes, field):
    times = changes.pop("times", ("weekday mornings",))
    with pytest.raises(ValidationError) as invalid:
        join(one_slot_clinician, 80, times=times, **changes)
    assert field in invalid.value.message_dict
    assert not WaitlistEntry.objects.exists()


def test_leaving_releases_the_held_time_to_the_next(one_slot_clinician, frozen):
    first = join(one_slot_clinician, 90, name="Ana")
    second = join(one_slot_clinician, 50, name="Ben")
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)

    assert waitlist.waitlist_leave(entry_id=first.pk, now=NOW)
    assert not waitlist.waitlist_leave(entry_id=first.pk, now=NOW)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    assert [o.entry for o in held_offers()] == [second]


def test_turning_an_offer_down_passes_it_on(one_slot_clinician, frozen):
    first = join(one_slot_clinician, 90, name="Ana")
    second = join(one_slot_clinician, 50, name="Ben")
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    [offer] = held_offers()
    assert waitlist.waitlist_offer_decline(offer_id=offer.pk, now=NOW)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    assert [o.entry for o in held_offers()] == [second]
    first.refresh_from_db()
    assert first.status == "waiting"


def test_a_place_whose_time_is_up_ends_and_gets_nothing(one_slot_clinician, frozen):
    entry = join(one_slot_clinician, 80, weeks=1, now=NOW - dt.timedelta(days=8))
    result = waitlist.waitlist_sweep(now=NOW)
    entry.refresh_from_db()
    assert (entry.status, result["ended"], result["offered"]) == ("ended", 1, 0)


def test_the_database_holds_one_time_for_one_client_at_most(one_slot_clinician, frozen):
    a = join(one_slot_clinician, 80, name="Ana")
    b = join(one_slot_clinician, 70, name="Ben")
    fields = {
        "clinician": one_slot_clinician,
        "expires_at": NOW + HOLD,
        "created_at": NOW,
    }
    WaitlistOffer.objects.create(
        entry=a, starts_at=MONDAY_9, ends_at=MONDAY_9 + dt.timedelta(minutes=15), **fields
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        # Overlapping by five minutes.
        WaitlistOffer.objects.create(
            entry=b,
            starts_at=MONDAY_9 + dt.timedelta(minutes=10),
            ends_at=MONDAY_9 + dt.timedelta(minutes=25),
            **fields,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        # A second live offer for the same client.
        WaitlistOffer.objects.create(
            entry=a,
            starts_at=MONDAY_9 + dt.timedelta(hours=2),
            ends_at=MONDAY_9 + dt.timedelta(hours=2, minutes=15),
            **fields,
        )


def test_a_cancellation_asks_for_an_offer_once_it_commits(
    one_slot_clinician, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    from consultations import tasks

    queued = []
    monkeypatch.setattr(
        tasks.offer_waitlist_times, "apply_async", lambda args, **kw: queued.append(args)
    )
    taken = ConsultationFactory(clinician=one_slot_clinician, starts_at=MONDAY_9)
    join(one_slot_clinician, 80)
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_cancel(consultation_id=taken.pk, now=NOW)
    assert (one_slot_clinician.pk,) in queued


def test_erasing_the_clients_data_removes_their_place(one_slot_clinician, frozen):
    entry = join(one_slot_clinician, 80)
    waitlist.waitlist_offer_pass(clinician_id=one_slot_clinician.pk, now=NOW)
    services.consultation_erase_client(client_reference=entry.client_reference)
    assert not WaitlistEntry.objects.exists()
    assert not WaitlistOffer.objects.exists()


def test_the_joining_email_says_what_and_how_to_leave_and_nothing_more(
    one_slot_clinician, frozen, monkeypatch
):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    join(one_slot_clinician, 80, weeks=3)
    notifications_sweep(now=NOW)
    [email] = [m for m in mail.outbox if m.subject == "You're on our waiting list"]
    assert email.to == ["ana@example.org"]
    for body in (email.body, email.alternatives[0][0]):
        assert "waiting list for Maya Chen" in body
        assert "Sunday 22 March 2026" in body
        assert "/intake/w/" in body and "/leave/" in body
        assert "anxiety" not in body.casefold() and "fit" not in body.casefold()


def test_new_hours_or_a_removed_day_off_ask_for_an_offer(
    one_slot_clinician, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    from clinicians.models import AvailabilityException, ConsultationHours
    from consultations import tasks

    queued = []
    monkeypatch.setattr(
        tasks.offer_waitlist_times, "apply_async", lambda args, **kw: queued.append(args)
    )
    join(one_slot_clinician, 80)
    with django_capture_on_commit_callbacks(execute=True):
        ConsultationHours.objects.create(
            clinician=one_slot_clinician, weekday=1, start=dt.time(9), end=dt.time(10)
        )
    day_off = AvailabilityException.objects.create(
        clinician=one_slot_clinician, date=dt.date(2026, 3, 2), kind="time_off"
    )
    with django_capture_on_commit_callbacks(execute=True):
        day_off.delete()
    assert queued == [(one_slot_clinician.pk,), (one_slot_clinician.pk,)]
    # Nobody waiting for a clinician: nothing is queued for them.
    other = ClinicianFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ConsultationHours.objects.create(
            clinician=other, weekday=1, start=dt.time(9), end=dt.time(10)
        )
    assert (other.pk,) not in queued
