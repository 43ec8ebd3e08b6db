"""The waiting list: clients who fit a clinician with no open time wait for one, and a time that
opens is held for the best-fitting of them for a while (`BookingSettings.waitlist_hold_minutes`).

The rule, as the results page states it: a time that opens is offered to the person waiting
who fits that clinician best, among those whose chosen times it suits; among equal fits, whoever
has waited longest. It is held for them alone until the hold runs out or the time comes within
the minimum notice; not taken, it goes to the next. A client has one place on the list and at
most one time held at once, is never offered the same time twice, and leaves the list when
they book.

Why nothing is booked or offered twice (docs/architecture.md, "The waiting list"):

- a hold is a `WaitlistOffer` row in status *held*; its exclusion constraint lets one time of a
  clinician be held by at most one client, and a partial unique index gives a client at most
  one held time;
- holds are made (`waitlist_offer_pass`) only under the clinician's row lock, after a slot
  search that counts bookings as busy; bookings (`consultation_book`, a reschedule) are made
  only under the same lock, after a slot search that counts unexpired holds as busy, except
  the booker's own. So a hold and a booking of one clinician are never made at once, and each
  sees the other once committed: no interleaving puts a hold over a booking or a booking over
  someone else's hold. The consultation's own exclusion constraint still backs bookings;
- a hold that runs out stops blocking at `expires_at` by every clock read under the lock; the
  holder's booking checks, under the same lock, that its hold is still held and unexpired;
- moving offers on is a sweep (`waitlist_sweep`, every minute) that claims each lapsed hold
  with a conditional update (held → expired), as the outbox claims a message, then offers the
  clinician's open times again; the events that open a time ask for the same pass at once
  (`holds.time_freed`), so an offer normally goes out seconds after a cancellation.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone as djtz
from django.utils.translation import gettext as _

from clinicians.models import Clinician
from clinicians.zones import zone_or_practice

from . import holds, notifications
from .messages import Kind
from .models import (
    TIME_CHOICES,
    BookingSettings,
    Consultation,
    WaitlistChoice,
    WaitlistEntry,
    WaitlistOffer,
)
from .selectors import clinician_open_slots
from .services import _lock_clinician, _refuse_a_second_hold, consultation_book
from .slots import times_touched

logger = logging.getLogger(__name__)

Waiting = WaitlistEntry.Status
Held = WaitlistOffer.Status
HoldLapsed = holds.HoldLapsed

MIN_WEEKS, MAX_WEEKS = 1, 4
# An offer stands at least this long, or the time isn't offered (it is too close).
MIN_OFFER = dt.timedelta(minutes=5)


class AlreadyWaiting(Exception):
    """The client already has a place on the waiting list (`entry`): one at a time."""

    def __init__(self, entry: WaitlistEntry):
        self.entry = entry
        super().__init__(_("You're already on the waiting list."))


def waitlist_join(
    *,
    client_reference,
    fits: list[tuple[int, int]],
    any_top_match: bool,
    times: list[str],
    weeks: int,
    first_name: str,
    email: str,
    phone: str = "",
    timezone: str,
    format: str,
    language: str = settings.LANGUAGE_CODE,
    now: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put a client on the waiting list for these clinicians ((clinician id, fit) pairs: one,
    or their top matches with `any_top_match`), for `weeks` (1–4, and never past `until`),
    for times touching `times` (the intake's time choices). Raises ValidationError for bad
    input, ClientAlreadyBooked when they hold a booking, AlreadyWaiting when they already wait.
    Emails them what they wait for and how to leave; any open time that suits is offered at
    once."""
    now = now or djtz.now()
    errors = {}
    if not isinstance(weeks, int) or not MIN_WEEKS <= weeks <= MAX_WEEKS:
        errors["weeks"] = _("Choose how long to wait: 1 to 4 weeks.")
    times = [t for t in TIME_CHOICES if t in set(times or ())]
    if not times:
        errors["times"] = _("Choose at least one time of the week that suits you.")
    if not fits:
        errors["choice"] = _("Choose a therapist, or any of your top matches.")
    if format not in Consultation.Format.values:
        errors["format"] = _("Choose phone or video.")
    if errors:
        raise ValidationError(errors)
    ends_at = now + dt.timedelta(weeks=weeks)
    if until is not None:
        ends_at = min(ends_at, until)
    with transaction.atomic():
        _refuse_a_second_hold(client_reference, now)
        # A place whose time is up gives way to the new one.
        WaitlistEntry.objects.filter(
            client_reference=client_reference, status=Waiting.WAITING, ends_at__lte=now
        ).update(status=Waiting.ENDED, ended_at=now)
        try:
            with transaction.atomic():
                entry = WaitlistEntry.objects.create(
                    client_reference=client_reference,
                    any_top_match=any_top_match,
                    first_name=first_name.strip(),
                    email=email.strip(),
                    phone=phone.strip(),
                    timezone=timezone,
                    format=format,
                    language=language,
                    times=times,
                    created_at=now,
                    ends_at=ends_at,
                )
        except IntegrityError:
            # The partial unique index: one place per client.
            existing = WaitlistEntry.objects.filter(
                client_reference=client_reference, status=Waiting.WAITING
            ).first()
            if existing is None:
                raise
            raise AlreadyWaiting(existing) from None
        WaitlistChoice.objects.bulk_create(
            [WaitlistChoice(entry=entry, clinician_id=cid, fit=fit) for cid, fit in fits]
        )
        notifications.waitlist_notify(
            client_reference=client_reference,
            kind=Kind.WAITLIST_JOINED,
            payload={
                "to": entry.email,
                "entry": str(entry.public_id),
                "expires_at": entry.ends_at.isoformat(),
                "language": entry.language,
            },
        )
        for cid, _fit in fits:
            holds.time_freed(clinician_id=cid)
    return entry


def waitlist_leave(*, entry_id: int, now: dt.datetime | None = None) -> bool:
    """The client leaves the waiting list: any time held for them goes to the next person, and
    the links sent to them stop working. True when this call ended their place."""
    now = now or djtz.now()
    with transaction.atomic():
        left = WaitlistEntry.objects.filter(pk=entry_id, status=Waiting.WAITING).update(
            status=Waiting.LEFT, ended_at=now
        )
        if left:
            holds.release_offers(entry_ids=[entry_id], now=now)
    return bool(left)


def waitlist_offer_decline(*, offer_id: int, now: dt.datetime | None = None) -> bool:
    """The client turns a held time down: it goes to the next person; they stay on the list."""
    now = now or djtz.now()
    with transaction.atomic():
        offer = WaitlistOffer.objects.filter(pk=offer_id, status=Held.HELD).first()
        if offer is None:
            return False
        released = WaitlistOffer.objects.filter(pk=offer_id, status=Held.HELD).update(
            status=Held.RELEASED, ended_at=now
        )
        if released:
            holds.time_freed(clinician_id=offer.clinician_id)
    return bool(released)


def waitlist_offer_accept(
    *, offer_id: int, client_summary: list, now: dt.datetime | None = None
) -> Consultation:
    """Book the time held for the client, as a request (or a confirmed consultation when the
    practice needs no confirmation), through `consultation_book`. Raises HoldLapsed once the
    hold is no longer theirs, and ClientAlreadyBooked / SlotUnavailable as booking does.
    Accepting twice returns the same consultation."""
    offer = WaitlistOffer.objects.select_related("entry", "clinician", "consultation").get(
        pk=offer_id
    )
    if offer.status == Held.TAKEN and offer.consultation_id and offer.consultation.is_active:
        return offer.consultation  # a second press: the booking it made
    entry = offer.entry
    return consultation_book(
        clinician_id=offer.clinician_id,
        starts_at=offer.starts_at,
        format=_format_for(entry.format, offer.clinician),
        first_name=entry.first_name,
        email=entry.email,
        phone=entry.phone,
        timezone=entry.timezone,
        client_reference=entry.client_reference,
        client_summary=client_summary,
        language=entry.language,
        now=now,
        hold_id=offer.pk,
    )


def _format_for(wanted: str, clinician: Clinician) -> str:
    """The format the client asked for, or the one the clinician offers when it isn't that one
    (a consultation is by phone or video whatever the sessions will be)."""
    offered = [f for f in Consultation.Format.values if getattr(clinician, f"offers_{f}", False)]
    return wanted if wanted in offered or not offered else offered[0]


def suits(entry: WaitlistEntry, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether a time touches one of the client's chosen times, in their zone."""
    zone = zone_or_practice(entry.timezone)
    touched = times_touched(starts_at.astimezone(zone), ends_at.astimezone(zone))
    return bool(touched & set(entry.times))


def waitlist_offer_pass(*, clinician_id: int, now: dt.datetime | None = None) -> int:
    """Offer this clinician's open times to the waiting list, one offer per transaction, each
    under the clinician's lock: for each open time in order, the best-fitting waiting client
    (fit, then who joined first) with no time held, whose times it suits and who wasn't offered
    it before. Returns how many offers were made."""
    now = now or djtz.now()
    made = 0
    while _offer_one(clinician_id, now):
        made += 1
    return made


def _offer_one(clinician_id: int, now: dt.datetime) -> bool:
    booking = BookingSettings.load()
    hold_for = dt.timedelta(minutes=booking.waitlist_hold_minutes)
    notice = dt.timedelta(hours=booking.minimum_notice_hours)
    slot = dt.timedelta(minutes=booking.slot_minutes)
    with transaction.atomic():
        _lock_clinician(clinician_id)
        # Holds that ran out stop blocking by the clock already; mark them so the exclusion
        # constraint lets the time be held again.
        _expire_lapsed(WaitlistOffer.objects.filter(clinician_id=clinician_id), now)
        waiting = _waiting_for(clinician_id, now)
        if not waiting:
            return False
        offered_before = set(
            WaitlistOffer.objects.filter(
                clinician_id=clinician_id, entry_id__in=[e.pk for e, _fit in waiting]
            ).values_list("entry_id", "starts_at")
        )
        for start in clinician_open_slots(clinician_id=clinician_id, now=now):
            expires_at = min(now + hold_for, start - notice)
            if expires_at - now < MIN_OFFER:
                continue  # too close to offer: it would be gone before anyone could book it
            for entry, _fit in waiting:
                if (entry.pk, start) in offered_before or not suits(entry, start, start + slot):
                    continue
                if _hold(entry, clinician_id, start, start + slot, expires_at, now):
                    return True
                # Booked, left or offered elsewhere meanwhile: take the next one.
                waiting = [(e, f) for e, f in waiting if e.pk != entry.pk]
        return False


def _waiting_for(clinician_id: int, now: dt.datetime) -> list[tuple[WaitlistEntry, int]]:
    """Clients waiting for this clinician with no time held for them, best fit first, then who
    joined first."""
    held = WaitlistOffer.objects.filter(entry=OuterRef("entry"), status=Held.HELD)
    choices = (
        WaitlistChoice.objects.filter(
            clinician_id=clinician_id,
            entry__status=Waiting.WAITING,
            entry__ends_at__gt=now,
        )
        .exclude(Exists(held))
        .select_related("entry")
        .order_by("-fit", "entry__created_at", "entry__pk")
    )
    return [(choice.entry, choice.fit) for choice in choices]


def _hold(entry, clinician_id, starts_at, ends_at, expires_at, now) -> bool:
    """Hold this time for this client and record the email, or False when the client can no
    longer be offered one (their place ended, or a time is held for them elsewhere)."""
    # The entry's row lock: a booking ending their place, or another clinician's pass offering
    # them a time, waits for this one (and this one sees theirs).
    locked = (
        WaitlistEntry.objects.select_for_update()
        .filter(pk=entry.pk, status=Waiting.WAITING, ends_at__gt=now)
        .first()
    )
    if locked is None or WaitlistOffer.objects.filter(entry=locked, status=Held.HELD).exists():
        return False
    try:
        with transaction.atomic():
            offer = WaitlistOffer.objects.create(
                entry=locked,
                clinician_id=clinician_id,
                starts_at=starts_at,
                ends_at=ends_at,
                expires_at=expires_at,
                created_at=now,
            )
            recorded = notifications.waitlist_notify(
                client_reference=locked.client_reference,
                kind=Kind.WAITLIST_OFFER,
                payload={
                    "to": locked.email,
                    "offer": str(offer.public_id),
                    "expires_at": expires_at.isoformat(),
                    "language": locked.language,
                },
            )
            if not recorded:
                raise _NotRecorded
    except (IntegrityError, _NotRecorded):
        return False
    logger.info("Waiting-list offer %s made for clinician %s", offer.pk, clinician_id)
    return True


class _NotRecorded(Exception):
    pass


def _expire_lapsed(offers, now: dt.datetime) -> list[int]:
    """Claim each lapsed hold with a conditional update (held → expired), so concurrent sweeps
    expire it once. Returns the clinicians whose holds this call expired."""
    clinicians = []
    for pk, clinician_id in offers.filter(status=Held.HELD, expires_at__lte=now).values_list(
        "pk", "clinician_id"
    ):
        claimed = WaitlistOffer.objects.filter(pk=pk, status=Held.HELD, expires_at__lte=now).update(
            status=Held.EXPIRED, ended_at=now
        )
        if claimed == 1:
            clinicians.append(clinician_id)
    return clinicians


def waitlist_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every minute (beat): places whose time is up end, lapsed holds expire, and every
    clinician someone waits for has their open times offered again (the safety net for a lost
    task, and how times that open with no event, as the horizon moves on, reach the list)."""
    now = now or djtz.now()
    ended = 0
    for pk in WaitlistEntry.objects.filter(status=Waiting.WAITING, ends_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if WaitlistEntry.objects.filter(pk=pk, status=Waiting.WAITING).update(
                status=Waiting.ENDED, ended_at=now
            ):
                ended += 1
                holds.release_offers(entry_ids=[pk], now=now)
    expired = len(_expire_lapsed(WaitlistOffer.objects.all(), now))
    clinicians = (
        WaitlistChoice.objects.filter(entry__status=Waiting.WAITING, entry__ends_at__gt=now)
        .values_list("clinician_id", flat=True)
        .distinct()
        .order_by("clinician_id")
    )
    offered = 0
    for clinician_id in list(clinicians):
        try:
            offered += waitlist_offer_pass(clinician_id=clinician_id, now=now)
        except Exception:
            # One clinician's trouble must not stop the others' offers.
            logger.exception("Waiting-list offers for clinician %s failed", clinician_id)
    return {"ended": ended, "expired": expired, "offered": offered}
