"""Where booking meets the waiting list: the checks and changes `consultation_book` and the
consultation's life make about held times. The waiting list's own rules (joining, offering,
accepting) are `consultations/waitlist.py`; this module is what `services.py` needs of them,
so neither imports the other in a circle."""

import datetime as dt
import logging
from functools import partial

from django.db import transaction

from .models import WaitlistChoice, WaitlistEntry, WaitlistOffer
from .selectors import bookings_changed

logger = logging.getLogger(__name__)

Held = WaitlistOffer.Status

# Publishing must not hold a cancellation up when the broker is down: the beat's sweep offers
# the time within a minute anyway.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


class HoldLapsed(Exception):
    """The offer's hold is no longer the client's (it ran out, was released, or was taken)."""


def hold_for_booking(
    *, hold_id: int, clinician_id: int, starts_at: dt.datetime, client_reference, now
) -> WaitlistOffer:
    """The held offer a booking is made from, locked: HoldLapsed unless it is still held, not
    expired, for this client and this time. Call under the clinician's lock."""
    offer = (
        WaitlistOffer.objects.select_for_update()
        .select_related("entry")
        .filter(pk=hold_id, clinician_id=clinician_id, starts_at=starts_at)
        .first()
    )
    if (
        offer is None
        or offer.status != Held.HELD
        or offer.expires_at <= now
        or str(offer.entry.client_reference) != str(client_reference)
    ):
        raise HoldLapsed
    return offer


def client_booked(*, client_reference, consultation, hold: WaitlistOffer | None, now) -> None:
    """A client booked: the hold it was made from is taken, their place on the waiting list
    ends, and any other time held for them is released (and offered to the next person once
    this commits). Call in the booking's transaction."""
    if hold is not None:
        WaitlistOffer.objects.filter(pk=hold.pk).update(
            status=Held.TAKEN, consultation=consultation, ended_at=now
        )
    if client_reference is None:
        return
    # Locks the entry rows first: an offer being made to them meanwhile waits, then sees them
    # booked (waitlist.offer_pass locks the entry before offering).
    ended = list(
        WaitlistEntry.objects.select_for_update()
        .filter(client_reference=client_reference, status=WaitlistEntry.Status.WAITING)
        .values_list("pk", flat=True)
    )
    if not ended:
        return
    WaitlistEntry.objects.filter(pk__in=ended).update(
        status=WaitlistEntry.Status.BOOKED, ended_at=now
    )
    release_offers(entry_ids=ended, now=now)


def clients_forgotten(*, client_references) -> None:
    """Clients deleted their data (or their intake was purged): their places on the waiting
    list go, with every offer made to them (a time still held for them is offered on).
    `client_references` may be a queryset of intake ids."""
    entries = WaitlistEntry.objects.filter(client_reference__in=client_references)
    held = WaitlistOffer.objects.filter(entry__in=entries, status=Held.HELD)
    for clinician_id in set(held.values_list("clinician_id", flat=True)):
        time_freed(clinician_id=clinician_id)
    entries.delete()


def release_offers(*, entry_ids, now) -> None:
    """Release the times held for these entries and offer them on once this commits."""
    freed = WaitlistOffer.objects.filter(entry_id__in=entry_ids, status=Held.HELD)
    clinicians = set(freed.values_list("clinician_id", flat=True))
    freed.update(status=Held.RELEASED, ended_at=now)
    for clinician_id in clinicians:
        time_freed(clinician_id=clinician_id)


def time_freed(*, clinician_id: int) -> None:
    """A time of this clinician may have opened (a cancellation, a decline, an expired request,
    new hours, a removed day off, a released hold): once the change commits, a worker offers
    it to the waiting list. The beat's sweep does the same every minute, as a safety net."""
    # Stored rankings read it as busy: holds are released with update(), which sends no signal.
    bookings_changed(clinician_ids=[clinician_id])
    transaction.on_commit(partial(_publish, clinician_id))


def _publish(clinician_id: int) -> None:
    from .tasks import offer_waitlist_times

    # Most times open with nobody waiting for them: then there is nothing to queue.
    if not WaitlistChoice.objects.filter(
        clinician_id=clinician_id, entry__status=WaitlistEntry.Status.WAITING
    ).exists():
        return

    try:
        offer_waitlist_times.apply_async((clinician_id,), retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception as exc:
        logger.warning(
            "Could not queue the waiting-list offer for clinician %s (%s); the sweep will.",
            clinician_id,
            type(exc).__name__,
        )
