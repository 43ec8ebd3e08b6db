import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone as djtz
from django.utils.translation import gettext as _

from clinicians.models import Clinician

from . import checkins, holds, notifications, tokens
from .messages import Recipient, sent_to
from .models import (
    ERASED_NAME,
    BookingSettings,
    CalendarFeed,
    Consultation,
    ConsultationEvent,
    FitCheck,
    Heartbeat,
    Notification,
    NotificationPreferences,
)
from .notifications import Event
from .selectors import (
    bookings_changed,
    client_upcoming_consultation,
    clinician_open_slots,
    held_until,
    slot_rules,
    slots_after,
)
from .signals import client_data_erased

Status = Consultation.Status
Actor = ConsultationEvent.Actor
ACTIVE = list(Consultation.ACTIVE_STATUSES)
NEXT_OPTIONS = 6

# The status changes a consultation may go through. A reschedule keeps the status; every
# other status is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset(
        {Status.CONFIRMED, Status.DECLINED, Status.CANCELLED, Status.EXPIRED}
    ),
    Status.CONFIRMED: frozenset({Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW}),
}


class SlotUnavailable(Exception):
    """The time isn't open (taken, too soon, too far, outside hours); offer these instead."""

    def __init__(
        self,
        next_options: list[dt.datetime],
        message: str = "",
        *,
        just_taken: bool = False,
        held_until: dt.datetime | None = None,
    ):
        self.next_options = next_options
        # True when another booking won a race for this time (rather than it never being open).
        self.just_taken = just_taken
        # When the time is held for someone on the waiting list: until when.
        self.held_until = held_until
        super().__init__(message or _("That time is not available."))


class ClientAlreadyBooked(Exception):
    """The client already holds a request or an upcoming consultation (`consultation`): one at
    a time, so they move or cancel that one first."""

    def __init__(self, consultation: Consultation):
        self.consultation = consultation
        super().__init__(_("You already have a consultation booked."))


class TransitionNotAllowed(Exception):
    """The consultation is not in a status this change applies to (already cancelled, …)."""


class AlreadyStarted(TransitionNotAllowed):
    """The consultation's time has come: it can no longer be confirmed, cancelled or moved."""


class FitCheckAnswered(TransitionNotAllowed):
    """The client answered the fit check, so the consultation took place (not a no-show)."""


def _may_become(status: str, to: str) -> bool:
    return to in TRANSITIONS.get(status, ())


def _move_status(consultation: Consultation, to: str, *fields: str, bump_sequence=False) -> str:
    """Save the consultation's change to `to` (with `fields`, already set), or raise
    TransitionNotAllowed when the table has no such change. Returns the status it left."""
    from_status = consultation.status
    if not _may_become(from_status, to):
        raise TransitionNotAllowed(from_status)
    consultation.status = to
    update = ["status", "updated_at", *fields]
    if to not in Consultation.ACTIVE_STATUSES:
        consultation.client_hold = None  # the client's place is free again
        update.append("client_hold")
    if bump_sequence:
        consultation.sequence += 1
        update.append("sequence")
    consultation.save(update_fields=update)
    return from_status


def _record(
    consultation: Consultation,
    *,
    from_status: str,
    actor: str,
    actor_user_id: int | None,
    note: str = "",
) -> None:
    """The event log's row for a change (who, when, from what)."""
    ConsultationEvent.objects.create(
        consultation=consultation,
        from_status=from_status,
        to_status=consultation.status,
        actor=actor,
        actor_user_id=actor_user_id,
        note=note[:200],
    )


def _next_options(clinician_id: int, after: dt.datetime, now: dt.datetime, **kw) -> list:
    options = clinician_open_slots(clinician_id=clinician_id, now=now, **kw)
    return slots_after(options, after, NEXT_OPTIONS)


def _lock_clinician(clinician_id: int) -> None:
    """Queue every change to this clinician's bookings behind one row lock, so each sees the
    ones committed before it: the buffer and daily cap hold, which the exclusion constraint
    (exact overlaps only) can't check."""
    list(Clinician.objects.select_for_update().filter(pk=clinician_id).values_list("pk"))


def _refuse_if_started(consultation: Consultation, now: dt.datetime) -> None:
    if consultation.starts_at <= now:
        raise AlreadyStarted(consultation.status)


def _overlapping_active(
    clinician_id: int, starts_at: dt.datetime, ends_at: dt.datetime, *, exclude_pk=None
):
    qs = Consultation.objects.filter(
        clinician_id=clinician_id, status__in=ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def consultation_book(
    *,
    clinician_id: int,
    starts_at: dt.datetime,
    format: str,
    first_name: str,
    email: str,
    phone: str = "",
    timezone: str,
    client_reference: uuid.UUID | str | None,
    client_summary: list,
    language: str = settings.LANGUAGE_CODE,
    now: dt.datetime | None = None,
    hold_id: int | None = None,
) -> Consultation:
    """Hold an open time for a client: *requested*, or *confirmed* when the practice doesn't
    ask clinicians to confirm. Raises SlotUnavailable (with other times) when the time isn't
    open or someone else got it first, and ClientAlreadyBooked when this client (intake)
    already holds a request or an upcoming consultation. Submitting the same booking twice
    returns the first.

    A time held for someone on the waiting list is not open to anyone else (SlotUnavailable
    with `held_until`); `hold_id` books it for the client it is held for (HoldLapsed once the
    hold has run out). Booking ends the client's place on the waiting list."""
    now = now or djtz.now()
    if format not in Consultation.Format.values:
        raise ValidationError({"format": _("Choose phone or video.")})
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be aware")
    booking = BookingSettings.load()
    starts_at = _in_window_or_refuse(clinician_id, starts_at, now, booking=booking)
    ends_at = starts_at + dt.timedelta(minutes=booking.slot_minutes)

    def already_booked():
        if client_reference is None:
            return None
        return Consultation.objects.filter(
            client_reference=client_reference,
            clinician_id=clinician_id,
            starts_at=starts_at,
            status__in=ACTIVE,
        ).first()

    existing = already_booked()
    if existing is not None:
        return existing
    _refuse_a_second_hold(client_reference, now)
    # A first look without a lock turns most closed times away cheaply; the answer that counts
    # is the one under the clinician's lock below.
    open_until = clinician_open_slots(
        clinician_id=clinician_id, now=now, until=starts_at, ignore_hold_id=hold_id
    )
    if open_until[-1:] != [starts_at]:
        existing = already_booked()  # the same submit may have committed it a moment ago
        if existing is not None:
            return existing
        if hold_id is not None:
            raise holds.HoldLapsed
        raise _refusal(clinician_id, starts_at, ends_at, booking, now)

    status = Status.REQUESTED if booking.requires_confirmation else Status.CONFIRMED
    try:
        with transaction.atomic():
            _lock_clinician(clinician_id)
            # Inside the transaction every read is fresh: bookings that held the lock before
            # this one are visible now.
            existing = already_booked()
            if existing is not None:
                return existing
            _refuse_a_second_hold(client_reference, now)
            hold = None
            if hold_id is not None:
                hold = holds.hold_for_booking(
                    hold_id=hold_id,
                    clinician_id=clinician_id,
                    starts_at=starts_at,
                    client_reference=client_reference,
                    now=now,
                )
            # Held times are busy here like bookings (except the client's own hold): under this
            # lock, which every hold is also made under, neither can slip past the other.
            open_until = clinician_open_slots(
                clinician_id=clinician_id, now=now, until=starts_at, ignore_hold_id=hold_id
            )
            if open_until[-1:] != [starts_at]:
                if hold is not None:
                    raise holds.HoldLapsed
                raise _refusal(clinician_id, starts_at, ends_at, booking, now, bare=True)
            if client_reference is not None:
                # A hold whose time has come gives way (only such a one: another booking of this
                # client may have committed since the check above). The unique constraint on
                # client_hold settles that race.
                Consultation.objects.filter(client_hold=client_reference).filter(
                    Q(starts_at__lte=now) | ~Q(status__in=ACTIVE)
                ).update(client_hold=None)
            consultation = Consultation.objects.create(
                client_hold=client_reference,
                clinician_id=clinician_id,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                format=format,
                client_first_name=first_name.strip(),
                client_email=email.strip(),
                client_phone=phone.strip(),
                client_timezone=timezone,
                client_language=language,
                client_reference=client_reference,
                client_summary=client_summary,
                confirmed_at=now if status == Status.CONFIRMED else None,
            )
            _record(consultation, from_status="", actor=Actor.CLIENT, actor_user_id=None)
            notifications.consultation_notify(
                consultation=consultation,
                event=Event.REQUESTED if status == Status.REQUESTED else Event.CONFIRMED,
            )
            holds.client_booked(
                client_reference=client_reference, consultation=consultation, hold=hold, now=now
            )
    except SlotUnavailable as refused:
        # Another client's booking won the race for a time this one saw open.
        if refused.held_until is not None:
            raise _refusal(clinician_id, starts_at, ends_at, booking, now) from None
        raise SlotUnavailable(
            _next_options(clinician_id, starts_at, now),
            _("That time was just taken.") if refused.just_taken else "",
            just_taken=refused.just_taken,
        ) from None
    except IntegrityError:
        # The constraints have the last word (a booking made around the lock).
        existing = already_booked()
        if existing is not None:
            return existing
        _refuse_a_second_hold(client_reference, now)
        raise SlotUnavailable(
            _next_options(clinician_id, starts_at, now),
            _("That time was just taken."),
            just_taken=True,
        ) from None
    return consultation


def _refuse_a_second_hold(client_reference, now: dt.datetime) -> None:
    if client_reference is None:
        return
    held = client_upcoming_consultation(client_reference=client_reference, now=now)
    if held is not None:
        raise ClientAlreadyBooked(held)


def _in_window_or_refuse(
    clinician_id: int,
    start: dt.datetime,
    now: dt.datetime,
    *,
    booking: BookingSettings | None = None,
    **slot_options,
) -> dt.datetime:
    """`start` in UTC, or SlotUnavailable (with the first open times) when it lies outside the
    booking window: checked first, so no arithmetic runs on a time at the calendar's ends."""
    try:
        start = start.astimezone(dt.UTC)
        inside = slot_rules(booking).in_window(start, now)
    except OverflowError:
        inside = False
    if not inside:
        raise SlotUnavailable(_next_options(clinician_id, now, now, **slot_options))
    return start


def _refusal(
    clinician_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    booking: BookingSettings,
    now: dt.datetime,
    *,
    bare: bool = False,
) -> SlotUnavailable:
    """Why a time isn't open to this client: held for someone on the waiting list (until
    when), just taken by another booking, or never open; with other times unless `bare`."""
    options = [] if bare else _next_options(clinician_id, starts_at, now)
    until = held_until(clinician_id=clinician_id, starts_at=starts_at, ends_at=ends_at, now=now)
    if until is not None:
        return SlotUnavailable(
            options, _("That time is held for someone on the waiting list."), held_until=until
        )
    return SlotUnavailable(
        options, just_taken=_held_by_another(clinician_id, starts_at, ends_at, booking)
    )


def _held_by_another(
    clinician_id: int, starts_at: dt.datetime, ends_at: dt.datetime, booking: BookingSettings
) -> bool:
    """Whether an active booking (with its buffer) now blocks this time: the client lost a race
    rather than picking a time that was never open."""
    buffer = dt.timedelta(minutes=booking.buffer_minutes)
    return _overlapping_active(clinician_id, starts_at - buffer, ends_at + buffer).exists()


def _locked(consultation_id: int) -> Consultation:
    return (
        Consultation.objects.select_for_update().select_related("clinician").get(pk=consultation_id)
    )


def consultation_confirm(
    *,
    consultation_id: int,
    actor: str = Actor.CLINICIAN,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Confirm a request. Refused with SlotUnavailable when another confirmed consultation of
    the clinician overlaps it (buffer included), as booking would be, and with AlreadyStarted
    once its time has come."""
    now = now or djtz.now()
    buffer = dt.timedelta(minutes=BookingSettings.load().buffer_minutes)
    with transaction.atomic():
        consultation = _locked(consultation_id)
        if not _may_become(consultation.status, Status.CONFIRMED):
            raise TransitionNotAllowed(consultation.status)
        _refuse_if_started(consultation, now)
        # Two requests confirmed at once must not both pass the buffer check.
        _lock_clinician(consultation.clinician_id)
        clash = (
            _overlapping_active(
                consultation.clinician_id,
                consultation.starts_at - buffer,
                consultation.ends_at + buffer,
                exclude_pk=consultation.pk,
            )
            .filter(status=Status.CONFIRMED)
            .exists()
        )
        if clash:
            raise SlotUnavailable([], _("Another confirmed consultation overlaps this time."))
        # Only the status changes, so the exclusion constraint (which already covers requests)
        # can't be broken here.
        consultation.confirmed_at = now
        from_status = _move_status(consultation, Status.CONFIRMED, "confirmed_at")
        _record(consultation, from_status=from_status, actor=actor, actor_user_id=actor_user_id)
        notifications.consultation_notify(consultation=consultation, event=Event.CONFIRMED)
    return consultation


def consultation_decline(
    *,
    consultation_id: int,
    message: str = "",
    actor: str = Actor.CLINICIAN,
    actor_user_id: int | None = None,
) -> Consultation:
    """Decline a request, releasing its time; the optional message goes to the client."""
    with transaction.atomic():
        consultation = _locked(consultation_id)
        consultation.decline_message = message.strip()
        from_status = _move_status(
            consultation, Status.DECLINED, "decline_message", bump_sequence=True
        )
        _record(consultation, from_status=from_status, actor=actor, actor_user_id=actor_user_id)
        notifications.consultation_notify(consultation=consultation, event=Event.DECLINED)
        holds.time_freed(clinician_id=consultation.clinician_id)
    return consultation


def consultation_cancel(
    *,
    consultation_id: int,
    actor: str = Actor.CLIENT,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Cancel an active consultation before its time; AlreadyStarted once it has come (the
    clinician then marks it completed or a no-show)."""
    now = now or djtz.now()
    with transaction.atomic():
        consultation = _locked(consultation_id)
        if not _may_become(consultation.status, Status.CANCELLED):
            raise TransitionNotAllowed(consultation.status)
        _refuse_if_started(consultation, now)
        _cancel(consultation, actor=actor, actor_user_id=actor_user_id)
    return consultation


def _cancel(consultation: Consultation, *, actor: str, actor_user_id: int | None, note=""):
    from_status = _move_status(consultation, Status.CANCELLED, bump_sequence=True)
    _record(
        consultation, from_status=from_status, actor=actor, actor_user_id=actor_user_id, note=note
    )
    notifications.consultation_notify(consultation=consultation, event=Event.CANCELLED)
    holds.time_freed(clinician_id=consultation.clinician_id)


def consultation_complete(
    *,
    consultation_id: int,
    actor: str = Actor.CLINICIAN,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """The consultation took place (once its time has come)."""
    now = now or djtz.now()
    with transaction.atomic():
        consultation = _locked(consultation_id)
        if not _may_become(consultation.status, Status.COMPLETED):
            raise TransitionNotAllowed(consultation.status)
        _refuse_if_not_started(consultation, now)
        from_status = _move_status(consultation, Status.COMPLETED)
        _record(consultation, from_status=from_status, actor=actor, actor_user_id=actor_user_id)
        notifications.consultation_notify(consultation=consultation, event=Event.COMPLETED)
    return consultation


def consultation_mark_no_show(
    *,
    consultation_id: int,
    actor: str = Actor.CLINICIAN,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """The client didn't come (once its time has come, and unless they answered the fit
    check: that means it took place)."""
    now = now or djtz.now()
    with transaction.atomic():
        consultation = _locked(consultation_id)
        if not _may_become(consultation.status, Status.NO_SHOW):
            raise TransitionNotAllowed(consultation.status)
        _refuse_if_not_started(consultation, now)
        if FitCheck.objects.filter(consultation=consultation).exists():
            # Marking a no-show would leave the client's answer about a meeting that "didn't
            # happen" out of every figure.
            raise FitCheckAnswered(consultation.status)
        from_status = _move_status(consultation, Status.NO_SHOW)
        _record(consultation, from_status=from_status, actor=actor, actor_user_id=actor_user_id)
        notifications.consultation_notify(consultation=consultation, event=Event.NO_SHOW)
    return consultation


def _refuse_if_not_started(consultation: Consultation, now: dt.datetime) -> None:
    if consultation.starts_at > now:
        raise TransitionNotAllowed("not started yet")


def consultation_reschedule(
    *,
    consultation_id: int,
    new_start: dt.datetime,
    actor: str = Actor.CLIENT,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Move an active consultation to another open time of the same clinician.

    One UPDATE moves the row's range, so the exclusion constraint checks the new time while
    the old one is still held: either the client has the new time, or keeps the old one.
    Refused with AlreadyStarted once the consultation's time has come. A paused clinician's
    times stay open to it: pausing turns away new clients, not existing ones."""
    now = now or djtz.now()
    if new_start.tzinfo is None:
        raise ValueError("new_start must be aware")
    with transaction.atomic():
        consultation = _locked(consultation_id)
        if not consultation.is_active:
            raise TransitionNotAllowed(consultation.status)
        _refuse_if_started(consultation, now)
        new_start = _in_window_or_refuse(
            consultation.clinician_id,
            new_start,
            now,
            ignore_consultation_id=consultation.pk,
            include_paused=True,
        )
        _lock_clinician(consultation.clinician_id)
        open_until = clinician_open_slots(
            clinician_id=consultation.clinician_id,
            now=now,
            ignore_consultation_id=consultation.pk,
            until=new_start,
            include_paused=True,
        )
        if open_until[-1:] != [new_start]:
            raise SlotUnavailable(
                _next_options(
                    consultation.clinician_id,
                    new_start,
                    now,
                    ignore_consultation_id=consultation.pk,
                    include_paused=True,
                )
            )
        old_start = consultation.starts_at
        new_end = new_start + (consultation.ends_at - consultation.starts_at)
        try:
            with transaction.atomic():
                Consultation.objects.filter(pk=consultation.pk).update(
                    starts_at=new_start,
                    ends_at=new_end,
                    sequence=F("sequence") + 1,
                    updated_at=now,
                )
                # An update() sends no signal.
                bookings_changed(clinician_ids=[consultation.clinician_id])
        except IntegrityError:
            raise SlotUnavailable(
                _next_options(
                    consultation.clinician_id,
                    new_start,
                    now,
                    ignore_consultation_id=consultation.pk,
                    include_paused=True,
                ),
                _("That time was just taken."),
                just_taken=True,
            ) from None
        consultation.refresh_from_db()
        _record(
            consultation,
            from_status=consultation.status,
            actor=actor,
            actor_user_id=actor_user_id,
            note=f"moved from {old_start:%Y-%m-%d %H:%M} UTC",
        )
        notifications.consultation_notify(consultation=consultation, event=Event.RESCHEDULED)
        holds.time_freed(clinician_id=consultation.clinician_id)  # the old time
    return consultation


def consultations_expire_stale(*, now: dt.datetime | None = None) -> int:
    """Expire requests nobody confirmed in time (or whose time has come), releasing their slots.

    Each row is claimed with a conditional update, so concurrent runs expire it only once."""
    now = now or djtz.now()
    hours = BookingSettings.load().request_expiry_hours
    stale = Q(created_at__lte=now - dt.timedelta(hours=hours)) | Q(starts_at__lte=now)
    candidates = list(
        Consultation.objects.filter(stale, status=Status.REQUESTED).values_list("pk", flat=True)
    )
    expired = 0
    for pk in candidates:
        with transaction.atomic():
            # Requested → expired (see TRANSITIONS), claimed by a conditional update.
            claimed = Consultation.objects.filter(pk=pk, status=Status.REQUESTED).update(
                status=Status.EXPIRED,
                sequence=F("sequence") + 1,
                updated_at=now,
                client_hold=None,
            )
            if claimed != 1:
                continue
            consultation = Consultation.objects.select_related("clinician").get(pk=pk)
            # An update() sends no signal.
            bookings_changed(clinician_ids=[consultation.clinician_id])
            _record(
                consultation, from_status=Status.REQUESTED, actor=Actor.SYSTEM, actor_user_id=None
            )
            notifications.consultation_notify(consultation=consultation, event=Event.EXPIRED)
            holds.time_freed(clinician_id=consultation.clinician_id)
            expired += 1
    return expired


def consultation_erase_client(*, client_reference: uuid.UUID | str) -> int:
    """Delete a client's personal data from their consultations, at their request.

    Active consultations are cancelled first (the clinician is told). The rows stay, without
    name, contact details or intake summary, so the practice's figures still add up; links
    sent before stop working. Then `client_data_erased` (client_reference, consultation_ids)
    tells other apps to erase theirs."""
    return _erase(Q(client_reference=client_reference), client_reference)


def consultation_erase(*, consultation_id: int) -> int:
    """The same for one consultation booked without an intake (by staff)."""
    return _erase(Q(pk=consultation_id), None)


def _erase(which: Q, client_reference) -> int:
    with transaction.atomic():
        consultations = list(Consultation.objects.select_for_update().filter(which).order_by("pk"))
        for consultation in consultations:
            if consultation.is_active:
                # Even once its time has come: nothing of theirs should stay booked.
                _cancel(
                    consultation,
                    actor=Actor.CLIENT,
                    actor_user_id=None,
                    note="client deleted their data",
                )
        ids = [c.pk for c in consultations]
        Consultation.objects.filter(pk__in=ids).update(
            client_first_name=ERASED_NAME,
            client_email="",
            client_phone="",
            client_summary=[],
            decline_message="",
            token_version=F("token_version") + 1,
        )
        # Nothing more goes to a client who asked to be forgotten; the clinician is still told.
        Notification.objects.filter(
            consultation_id__in=ids, status=Notification.Status.PENDING
        ).exclude(sent_to(Recipient.CLINICIAN)).update(status=Notification.Status.CANCELLED)
        # A delivery error can quote the client's address.
        Notification.objects.filter(consultation_id__in=ids).exclude(last_error="").update(
            last_error=""
        )
        # Their check-ins and the answers kept from before therapy (and the clinician's email
        # about a low one, which would point to a check-in no longer there).
        checkins.checkins_erase(consultation_ids=ids)
        if client_reference is not None:
            # Nor anything about their intake (the results link, if still unsent).
            notifications.notifications_forget(intake_references=[client_reference])
            holds.clients_forgotten(client_references=[client_reference])
            client_data_erased.send(
                sender=Consultation, client_reference=client_reference, consultation_ids=ids
            )
    return len(ids)


# --- The clinician's calendar feed and email preferences ----------------------------------

# A feed read is written down at most this often (calendar apps poll every few minutes).
FEED_READ_GRANULARITY = dt.timedelta(minutes=1)


def calendar_feed_renew(*, clinician_id: int, now: dt.datetime | None = None) -> str:
    """Make the clinician's calendar feed link, replacing (and so revoking) any earlier one.
    Returns the link's secret: it is stored only as a hash, so this is the one time it exists
    in full."""
    token, token_hash = tokens.new_feed_token()
    CalendarFeed.objects.update_or_create(
        clinician_id=clinician_id,
        defaults={"token_hash": token_hash, "created_at": now or djtz.now(), "last_read_at": None},
    )
    return token


def calendar_feed_revoke(*, clinician_id: int) -> bool:
    """Turn the clinician's feed link off. True if there was one."""
    deleted, _by_model = CalendarFeed.objects.filter(clinician_id=clinician_id).delete()
    return bool(deleted)


def calendar_feed_read(*, feed_id: int, now: dt.datetime) -> None:
    """Note that a calendar read the feed (one UPDATE at most a minute, none in between)."""
    CalendarFeed.objects.filter(pk=feed_id).filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=now - FEED_READ_GRANULARITY)
    ).update(last_read_at=now)


def notification_preferences_save(
    *,
    clinician_id: int,
    new_requests: bool,
    changes: bool,
    cancellations: bool,
    digest: bool,
    digest_time: dt.time,
) -> NotificationPreferences:
    """Save which emails the clinician wants."""
    preferences, _created = NotificationPreferences.objects.update_or_create(
        clinician_id=clinician_id,
        defaults={
            "new_requests": new_requests,
            "changes": changes,
            "cancellations": cancellations,
            "digest": digest,
            "digest_time": digest_time.replace(second=0, microsecond=0),
        },
    )
    return preferences


class FitCheckClosed(Exception):
    """The consultation hasn't taken place (or was cancelled): there is nothing to ask about."""


def fit_check_record(
    *,
    consultation_id: int,
    felt_heard: int,
    agreed_goals: int,
    approach_makes_sense: int,
    wants_to_continue: int,
    now: dt.datetime,
) -> tuple[FitCheck, bool]:
    """Record the client's answers once; returns them and whether this call recorded them (a
    second submission, even racing the first, gets the first one's answers back)."""
    consultation = Consultation.objects.get(pk=consultation_id)
    if not consultation.fit_check_open(now):
        raise FitCheckClosed
    try:
        with transaction.atomic():
            answers = FitCheck.objects.create(
                consultation=consultation,
                felt_heard=felt_heard,
                agreed_goals=agreed_goals,
                approach_makes_sense=approach_makes_sense,
                wants_to_continue=wants_to_continue,
            )
    except IntegrityError:
        return FitCheck.objects.get(consultation=consultation), False
    return answers, True


def heartbeat_record(*, name: str, now: dt.datetime) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})
