import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction

from clinicians.services import clinician_set_accepting
from consultations import selectors, services
from consultations.models import Consultation, ConsultationEvent, FitCheck, Notification
from consultations.services import SlotUnavailable, TransitionNotAllowed
from consultations.signals import client_data_erased
from consultations.tokens import MANAGE, consultation_from_token, make_token

from .conftest import MONDAY_9, NOW
from .factories import ConsultationFactory, booking_settings

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


def book(clinician, starts_at=MONDAY_9, reference=None, **kw):
    values = {
        "clinician_id": clinician.pk,
        "starts_at": starts_at,
        "format": "video",
        "first_name": "Ana",
        "email": "ana@example.org",
        "phone": "",
        "timezone": "America/Los_Angeles",
        "client_reference": reference or uuid.uuid4(),
        "client_summary": [["Concerns", "anxiety"]],
        "now": NOW,
    }
    return services.consultation_book(**{**values, **kw})


def test_it_books_a_request_that_holds_the_slot(clinician, notified):
    consultation = book(clinician)
    assert consultation.status == Consultation.Status.REQUESTED
    assert consultation.ends_at - consultation.starts_at == 15 * MIN
    assert consultation.events.get().to_status == "requested"
    assert notified == [(consultation.pk, "requested")]
    open_now = selectors.clinician_open_slots(clinician_id=clinician.pk, now=NOW)
    assert MONDAY_9 not in open_now
    assert MONDAY_9 + 15 * MIN not in open_now  # inside the 5-minute buffer


def test_it_confirms_at_once_when_the_practice_doesnt_require_confirmation(clinician, notified):
    booking_settings(requires_confirmation=False)
    consultation = book(clinician)
    assert consultation.status == Consultation.Status.CONFIRMED
    assert consultation.confirmed_at == NOW
    assert notified == [(consultation.pk, "confirmed")]


def test_it_returns_the_same_booking_for_a_double_submit(clinician, notified):
    reference = uuid.uuid4()
    first = book(clinician, reference=reference)
    second = book(clinician, reference=reference)
    assert first.pk == second.pk
    assert Consultation.objects.count() == 1
    assert len(notified) == 1


def test_it_refuses_a_taken_time_with_the_next_options(clinician):
    book(clinician)
    with pytest.raises(SlotUnavailable) as refused:
        book(clinician)
    options = refused.value.next_options
    assert options and MONDAY_9 not in options
    assert all(o > MONDAY_9 for o in options)
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "starts_at",
    [
        NOW - dt.timedelta(hours=1),  # past
        dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC),  # inside the 12-hour notice
        MONDAY_9 + dt.timedelta(days=28),  # beyond the 21-day horizon
        dt.datetime(2026, 3, 2, 23, tzinfo=dt.UTC),  # 18:00 local, outside hours
        MONDAY_9 + 7 * MIN,  # not on the slot grid
    ],
)
def test_it_refuses_a_time_that_isnt_open(clinician, starts_at):
    with pytest.raises(SlotUnavailable) as refused:
        book(clinician, starts_at=starts_at)
    assert refused.value.next_options
    assert not refused.value.just_taken
    assert not Consultation.objects.exists()


def test_it_says_just_taken_when_another_booking_holds_the_time(clinician):
    # The other client committed before this one's slot check (the usual way a race is lost).
    book(clinician)
    with pytest.raises(SlotUnavailable) as refused:
        book(clinician)
    assert refused.value.just_taken
    assert MONDAY_9 not in refused.value.next_options
    assert Consultation.objects.count() == 1


def test_it_refuses_a_paused_clinician(clinician):
    clinician_set_accepting(clinician_ids=[clinician.pk], accepting=False)
    with pytest.raises(SlotUnavailable):
        book(clinician)


def test_the_database_refuses_overlapping_active_consultations(clinician):
    ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + 10 * MIN)
    # Inactive consultations don't hold their time.
    ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9 + 5 * MIN, status=Consultation.Status.CANCELLED
    )


def test_it_confirms_a_request(clinician, clinician_user, notified):
    consultation = book(clinician)
    confirmed = services.consultation_confirm(
        consultation_id=consultation.pk, actor_user_id=clinician_user.pk, now=NOW
    )
    assert confirmed.status == "confirmed" and confirmed.confirmed_at == NOW
    event = confirmed.events.last()
    assert (event.from_status, event.to_status, event.actor, event.actor_user_id) == (
        "requested",
        "confirmed",
        "clinician",
        clinician_user.pk,
    )
    assert notified[-1] == (consultation.pk, "confirmed")


def test_it_refuses_to_confirm_the_second_of_two_overlapping_requests(clinician):
    # Back to back: allowed by the database, but within the practice's 5-minute buffer.
    first = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    second = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + 15 * MIN)
    services.consultation_confirm(consultation_id=first.pk, now=NOW)
    with pytest.raises(SlotUnavailable):
        services.consultation_confirm(consultation_id=second.pk, now=NOW)
    second.refresh_from_db()
    assert second.status == "requested"
    assert not second.events.exists()


def test_it_declines_with_a_message_and_releases_the_time(clinician, notified):
    consultation = book(clinician)
    declined = services.consultation_decline(
        consultation_id=consultation.pk, message=" Please try Omar. "
    )
    assert declined.status == "declined"
    assert declined.decline_message == "Please try Omar."
    assert declined.sequence == 1
    assert notified[-1] == (consultation.pk, "declined")
    assert MONDAY_9 in selectors.clinician_open_slots(clinician_id=clinician.pk, now=NOW)


def test_it_cancels_once(clinician, frozen):
    consultation = book(clinician)
    services.consultation_cancel(consultation_id=consultation.pk)
    with pytest.raises(TransitionNotAllowed):
        services.consultation_cancel(consultation_id=consultation.pk)
    assert consultation.events.filter(to_status="cancelled").count() == 1


def test_it_reschedules_holding_the_new_time_and_keeping_links(clinician, notified):
    consultation = book(clinician)
    token = make_token(consultation, MANAGE)
    new_start = MONDAY_9 + 15 * MIN  # next to the old time: its own buffer doesn't block it
    moved = services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=new_start, now=NOW
    )
    assert (moved.starts_at, moved.ends_at) == (new_start, new_start + 15 * MIN)
    assert moved.sequence == 1 and moved.status == "requested"
    assert consultation_from_token(token, MANAGE).pk == consultation.pk
    assert notified[-1] == (consultation.pk, "rescheduled")
    assert new_start not in selectors.clinician_open_slots(clinician_id=clinician.pk, now=NOW)
    again = services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=MONDAY_9 + dt.timedelta(hours=2), now=NOW
    )
    assert again.sequence == 2
    assert MONDAY_9 in selectors.clinician_open_slots(clinician_id=clinician.pk, now=NOW)


def test_it_keeps_the_old_time_when_the_new_one_is_taken(clinician):
    consultation = book(clinician)
    book(clinician, starts_at=MONDAY_9 + dt.timedelta(hours=2))
    with pytest.raises(SlotUnavailable):
        services.consultation_reschedule(
            consultation_id=consultation.pk,
            new_start=MONDAY_9 + dt.timedelta(hours=2),
            now=NOW,
        )
    consultation.refresh_from_db()
    assert consultation.starts_at == MONDAY_9 and consultation.sequence == 0


def test_it_reschedules_atomically_when_a_race_is_lost_at_the_database(clinician, monkeypatch):
    consultation = book(clinician)
    target = MONDAY_9 + dt.timedelta(hours=3)
    # Someone else holds the target; pretend the slot check ran just before they booked.
    ConsultationFactory(clinician=clinician, starts_at=target)
    real, calls = services.clinician_open_slots, []

    def stale_then_real(**kw):
        calls.append(kw)
        return [target] if len(calls) == 1 else real(**kw)

    monkeypatch.setattr(services, "clinician_open_slots", stale_then_real)
    with pytest.raises(SlotUnavailable) as refused:
        services.consultation_reschedule(consultation_id=consultation.pk, new_start=target, now=NOW)
    assert refused.value.just_taken
    assert target not in refused.value.next_options
    consultation.refresh_from_db()
    assert consultation.starts_at == MONDAY_9 and consultation.status == "requested"
    assert not consultation.events.filter(note__startswith="moved").exists()


def test_it_marks_completed_and_no_show_only_after_the_start(clinician):
    done = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    with pytest.raises(TransitionNotAllowed):
        services.consultation_complete(consultation_id=done.pk, now=NOW)
    after = MONDAY_9 + 20 * MIN
    assert services.consultation_complete(consultation_id=done.pk, now=after).status == "completed"
    missed = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(hours=1), status="confirmed"
    )
    later = MONDAY_9 + dt.timedelta(hours=2)
    assert services.consultation_mark_no_show(consultation_id=missed.pk, now=later).status == (
        "no_show"
    )


def test_it_expires_stale_requests_once(clinician, frozen, notified):
    stale = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(days=2))
    frozen.shift(dt.timedelta(hours=20))
    fresh = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(days=3))
    confirmed = ConsultationFactory(
        clinician=clinician, starts_at=MONDAY_9 + dt.timedelta(days=4), status="confirmed"
    )
    later = NOW + dt.timedelta(hours=25)
    assert services.consultations_expire_stale(now=later) == 1
    assert services.consultations_expire_stale(now=later) == 0
    stale.refresh_from_db()
    fresh.refresh_from_db()
    confirmed.refresh_from_db()
    assert (stale.status, fresh.status, confirmed.status) == ("expired", "requested", "confirmed")
    assert stale.events.get().actor == "system"
    assert notified == [(stale.pk, "expired")]


def test_it_expires_a_request_whose_time_has_come(clinician, frozen):
    request = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    assert services.consultations_expire_stale(now=MONDAY_9 + MIN) == 1
    request.refresh_from_db()
    assert request.status == "expired"


def test_it_erases_a_clients_data_and_tells_other_apps(clinician, notified):
    reference = uuid.uuid4()
    upcoming = book(clinician, reference=reference, phone="555 010 3000")
    other = book(clinician, starts_at=MONDAY_9 + dt.timedelta(hours=2))
    token = make_token(upcoming, MANAGE)
    received = []

    def receiver(sender, client_reference, consultation_ids, **kwargs):
        received.append((client_reference, consultation_ids))

    client_data_erased.connect(receiver)
    try:
        assert services.consultation_erase_client(client_reference=reference) == 1
    finally:
        client_data_erased.disconnect(receiver)
    upcoming.refresh_from_db()
    assert upcoming.status == "cancelled"
    assert (upcoming.client_email, upcoming.client_phone, upcoming.client_summary) == ("", "", [])
    assert upcoming.client_first_name != "Ana"
    assert consultation_from_token(token, MANAGE) is None
    assert received == [(reference, [upcoming.pk])]
    other.refresh_from_db()
    assert other.client_email == "ana@example.org"
    assert ConsultationEvent.objects.filter(consultation=upcoming, to_status="cancelled").exists()


def test_it_lets_a_client_move_their_consultation_while_the_clinician_is_paused(clinician):
    consultation = book(clinician)
    clinician_set_accepting(clinician_ids=[clinician.pk], accepting=False)
    new_start = MONDAY_9 + dt.timedelta(hours=1)

    moved = services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=new_start, now=NOW
    )

    assert moved.starts_at == new_start
    # New clients are still turned away.
    with pytest.raises(SlotUnavailable):
        book(clinician, starts_at=MONDAY_9 + dt.timedelta(hours=3))


def test_it_refuses_to_cancel_or_move_a_consultation_whose_time_has_come(clinician):
    consultation = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    at_start = MONDAY_9
    with pytest.raises(services.AlreadyStarted):
        services.consultation_cancel(consultation_id=consultation.pk, now=at_start)
    with pytest.raises(services.AlreadyStarted):
        services.consultation_reschedule(
            consultation_id=consultation.pk, new_start=MONDAY_9 + dt.timedelta(days=1), now=at_start
        )
    consultation.refresh_from_db()
    assert (consultation.status, consultation.starts_at, consultation.sequence) == (
        "confirmed",
        MONDAY_9,
        0,
    )
    assert not consultation.events.exists()


def test_it_refuses_to_confirm_a_request_whose_time_has_come(clinician):
    request = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9)
    with pytest.raises(TransitionNotAllowed):
        services.consultation_confirm(consultation_id=request.pk, now=MONDAY_9 + MIN)
    request.refresh_from_db()
    assert (request.status, request.confirmed_at) == ("requested", None)
    assert not request.events.exists()


def test_it_refuses_a_no_show_once_the_client_answered_the_fit_check(clinician):
    consultation = ConsultationFactory(clinician=clinician, starts_at=MONDAY_9, status="confirmed")
    FitCheck.objects.create(
        consultation=consultation,
        felt_heard=5,
        agreed_goals=4,
        approach_makes_sense=4,
        wants_to_continue=5,
    )
    after = MONDAY_9 + dt.timedelta(hours=1)
    with pytest.raises(services.FitCheckAnswered):
        services.consultation_mark_no_show(consultation_id=consultation.pk, now=after)
    consultation.refresh_from_db()
    assert consultation.status == "confirmed"
    assert FitCheck.objects.filter(consultation=consultation).exists()
    # Marking it completed keeps the answer.
    services.consultation_complete(consultation_id=consultation.pk, now=after)
    consultation.refresh_from_db()
    assert consultation.status == "completed"


def test_it_erases_through_the_cancel_transition_and_forgets_delivery_errors(clinician):
    reference = uuid.uuid4()
    upcoming = book(clinician, reference=reference)
    # Its time has come: the client's data goes all the same.
    started = ConsultationFactory(
        clinician=clinician,
        starts_at=MONDAY_9 + dt.timedelta(hours=2),
        status="confirmed",
        client_reference=reference,
    )
    failed = Notification.objects.create(
        consultation=upcoming,
        kind="client_reminder_test",
        due_at=NOW,
        status=Notification.Status.FAILED,
        last_error="550 5.1.1 <ana@example.org>: Recipient address rejected",
    )
    other = book(clinician, starts_at=MONDAY_9 + dt.timedelta(hours=4))
    kept = Notification.objects.create(
        consultation=other, kind="client_reminder_test", due_at=NOW, last_error="timeout"
    )

    assert services.consultation_erase_client(client_reference=reference) == 2

    for consultation in (upcoming, started):
        consultation.refresh_from_db()
        assert (consultation.status, consultation.sequence) == ("cancelled", 1)
        event = consultation.events.get(to_status="cancelled")
        assert (event.actor, event.note) == ("client", "client deleted their data")
    failed.refresh_from_db()
    assert failed.last_error == ""
    assert not Notification.objects.filter(
        consultation__in=[upcoming, started], last_error__contains="@"
    ).exists()
    kept.refresh_from_db()
    assert kept.last_error == "timeout"


@pytest.mark.parametrize("confirmed", [False, True], ids=["request", "confirmed"])
def test_every_change_a_client_makes_reaches_the_clinician(
    clinician, frozen, monkeypatch, confirmed
):
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)
    booking_settings(requires_confirmation=not confirmed)
    # (The reminder about a request still waiting is not news of a change: left out here.)
    to_clinician = Notification.objects.filter(
        kind__startswith="clinician_", consultation__clinician=clinician
    ).exclude(kind="clinician_request_waiting")

    def told() -> list[str]:
        return list(to_clinician.order_by("pk").values_list("kind", flat=True))

    consultation = book(clinician)
    moved = services.consultation_reschedule(
        consultation_id=consultation.pk, new_start=MONDAY_9 + dt.timedelta(hours=1), now=NOW
    )
    services.consultation_cancel(consultation_id=moved.pk, now=NOW)
    erased = book(clinician, starts_at=MONDAY_9 + dt.timedelta(hours=3))
    services.consultation_erase_client(client_reference=erased.client_reference)

    first = "clinician_booked" if confirmed else "clinician_new_request"
    assert told() == [
        first,
        "clinician_rescheduled",
        "clinician_cancelled",
        first,
        "clinician_cancelled",
    ]
    assert not to_clinician.exclude(status=Notification.Status.PENDING).filter(
        kind="clinician_cancelled"
    )


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime.max.replace(tzinfo=dt.UTC),
        dt.datetime.min.replace(tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(-dt.timedelta(hours=23, minutes=59))),
    ],
)
def test_it_refuses_a_time_at_the_ends_of_the_calendar_without_overflowing(clinician, start):
    consultation = book(clinician)

    with pytest.raises(SlotUnavailable) as refused:
        book(clinician, starts_at=start)
    assert refused.value.next_options
    with pytest.raises(SlotUnavailable):
        services.consultation_reschedule(consultation_id=consultation.pk, new_start=start, now=NOW)

    consultation.refresh_from_db()
    assert consultation.starts_at == MONDAY_9
    assert Consultation.objects.count() == 1


# One client (one intake) holds at most one request or upcoming consultation at a time.


def test_a_client_holds_one_request_or_upcoming_consultation_at_a_time(clinician, other_clinician):
    reference = uuid.uuid4()
    first = book(clinician, reference=reference)

    with pytest.raises(services.ClientAlreadyBooked) as refused:
        book(other_clinician, starts_at=MONDAY_9 + dt.timedelta(hours=2), reference=reference)
    assert refused.value.consultation == first
    assert Consultation.objects.count() == 1
    # Confirmed, it still holds the client's place.
    services.consultation_confirm(consultation_id=first.pk, now=NOW)
    with pytest.raises(services.ClientAlreadyBooked):
        book(other_clinician, starts_at=MONDAY_9 + dt.timedelta(hours=2), reference=reference)

    services.consultation_cancel(consultation_id=first.pk, now=NOW)
    second = book(other_clinician, starts_at=MONDAY_9 + dt.timedelta(hours=2), reference=reference)
    assert second.client_hold == reference
    first.refresh_from_db()
    assert first.client_hold is None


def test_a_consultation_whose_time_has_come_gives_its_place_up(clinician, other_clinician):
    reference = uuid.uuid4()
    first = book(clinician, reference=reference)
    services.consultation_confirm(consultation_id=first.pk, now=NOW)
    after = first.ends_at + dt.timedelta(minutes=30)

    # Not yet marked completed by the clinician, but no longer upcoming.
    second = book(
        other_clinician, starts_at=MONDAY_9 + dt.timedelta(days=1), reference=reference, now=after
    )

    first.refresh_from_db()
    assert (first.status, first.client_hold) == ("confirmed", None)
    assert second.client_hold == reference


def test_the_database_holds_one_place_per_client(clinician):
    reference = uuid.uuid4()
    ConsultationFactory(clinician=clinician, client_reference=reference, client_hold=reference)

    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationFactory(
            clinician=clinician,
            starts_at=MONDAY_9 + dt.timedelta(hours=3),
            client_reference=reference,
            client_hold=reference,
        )


@pytest.mark.parametrize("ending", ["decline", "expire", "complete"])
def test_every_way_out_of_a_request_frees_the_clients_place(clinician, ending):
    first = book(clinician)
    if ending == "decline":
        services.consultation_decline(consultation_id=first.pk)
    elif ending == "expire":
        services.consultations_expire_stale(now=first.starts_at)
    else:
        services.consultation_confirm(consultation_id=first.pk, now=NOW)
        services.consultation_complete(consultation_id=first.pk, now=first.ends_at)

    first.refresh_from_db()
    assert first.client_hold is None
