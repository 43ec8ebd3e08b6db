"""Keep the slot search's calendar snapshot (selectors.Calendar) in step with the data it
holds, tell stored results when bookings, days off or fit checks change
(selectors.bookings_changed), and email clinicians about what clinicians tells of them."""

from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from clinicians.models import AvailabilityException, Clinician, ConsultationHours
from clinicians.signals import profile_proposal_decided, roster_imported

from . import holds, notifications
from .models import BookingSettings, Consultation, FitCheck, WaitlistOffer
from .selectors import bookings_changed, calendar_changed


def _on_save_and_delete(handler, model, group: str) -> None:
    """Connect `handler` to every save and delete of `model`, once (dispatch uids name
    `group`)."""
    for signal, action in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(
            handler,
            sender=model,
            dispatch_uid=f"consultations.{group}.{model.__name__}.{action}",
        )


# A clinician's zone, their weekly hours (those clinicians), the practice's booking rules
# (everything). Exceptions, bookings and who is active or accepting are read on every search, so
# they need no receiver.


def _clinician_changed(sender, instance, **kwargs) -> None:
    calendar_changed(clinician_ids=[instance.pk])


def _hours_row_changed(sender, instance, **kwargs) -> None:
    calendar_changed(clinician_ids=[instance.clinician_id])


def _rules_changed(sender, **kwargs) -> None:
    calendar_changed()


def _bulk_changed(sender, clinician_ids=None, **kwargs) -> None:
    calendar_changed(clinician_ids=clinician_ids)


for _model, _receiver in (
    (Clinician, _clinician_changed),
    (ConsultationHours, _hours_row_changed),
    (BookingSettings, _rules_changed),
):
    _on_save_and_delete(_receiver, _model, "calendar")
# A flush or migration rewrites tables without model signals; a bulk write says who it touched
# when it knows.
post_migrate.connect(_rules_changed, dispatch_uid="consultations.calendar.migrate")
roster_imported.connect(_bulk_changed, dispatch_uid="consultations.calendar.imported")


# New hours, or a day off removed, may open times someone on the waiting list wants: offer them
# once the change commits (consultations/waitlist.py). Any save or delete asks; the pass finds
# nothing to offer when nothing opened.
def _hours_changed(sender, instance, **kwargs) -> None:
    holds.time_freed(clinician_id=instance.clinician_id)


for _model in (ConsultationHours, AvailabilityException):
    _on_save_and_delete(_hours_changed, _model, "waitlist")


@receiver(profile_proposal_decided, dispatch_uid="consultations.profile_proposal_decided")
def _profile_proposal_decided(sender, clinician_id, approved, **kwargs) -> None:
    notifications.clinician_profile_notify(clinician_id=clinician_id, approved=approved)


# Read afresh by every slot search, so no snapshot holds them; stored rankings do. A booking,
# day off or hold names its clinician (a stored ranking that never searched them stays good);
# a fit check names nobody, since the practice's felt-heard rate counts in every ranking.
_BOOKING_MODELS = (Consultation, AvailabilityException, WaitlistOffer)


def _bookings_changed(sender, instance, **kwargs) -> None:
    bookings_changed(clinician_ids=[instance.clinician_id])


def _feedback_changed(sender, **kwargs) -> None:
    bookings_changed()


for _model, _receiver in (
    *((model, _bookings_changed) for model in _BOOKING_MODELS),
    (FitCheck, _feedback_changed),
):
    _on_save_and_delete(_receiver, _model, "bookings")
post_migrate.connect(_feedback_changed, dispatch_uid="consultations.bookings.migrate")
