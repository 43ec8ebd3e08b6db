"""Notifications: rows in the database, swept and sent exactly once.

A booking event records the messages it calls for as `Notification` rows (due now or later);
rows due now are also queued once the transaction commits. Sending claims a row with a
conditional UPDATE (pending and due → sending), so two workers, a retried task or two sweeps
at once can't both send it. A beat task sweeps due rows every minute: that is also the safety
net for a lost task or a broker that was down when the client booked.

Delivery is exactly once except for one window we can't close: if a worker dies after the mail
server accepted a message but before the row is marked sent, the row stays 'sending' and, once
its claim lease (NOTIFICATION_CLAIM_LEASE_SECONDS) has run out, the sweep sends it again. A
sweep claims a whole batch at once, and a slow batch can outlive the lease; so just before each
message goes out its claim is renewed with a conditional UPDATE, and a row another sweep has
taken back in the meantime is skipped. That leaves the window as one message's send (bounded
by EMAIL_TIMEOUT, far shorter than the lease) plus the UPDATE after it. Every message carries
the same Message-ID on every attempt, so mail clients can fold such a duplicate.
"""

import datetime as dt
import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from .messages import Kind, build_message, reminder_kind, stale_verdict, stored_as
from .models import Consultation, Notification

logger = logging.getLogger(__name__)

Status = Notification.Status
CStatus = Consultation.Status

# Publishing a task must not hold a booking up when the broker is down: one quick retry, then
# the sweep takes over.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


# Recording what an event calls for


class Event(enum.StrEnum):
    """Something that happened to a consultation (services.py makes each happen)."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


@dataclass
class Plan:
    """What an event calls for: whether the consultation's pending rows go (all of them, or
    only those of kind `cancel_only`), and the rows to record, each with when it is due."""

    cancel: bool = False
    cancel_only: Kind | None = None
    rows: list[tuple[str, dt.datetime]] = field(default_factory=list)


def _plan_requested(consultation: Consultation, now: dt.datetime) -> Plan:
    return Plan(rows=[(Kind.CLIENT_REQUEST_RECEIVED, now), (Kind.CLINICIAN_NEW_REQUEST, now)])


def _plan_confirmed(consultation: Consultation, now: dt.datetime) -> Plan:
    rows = [(Kind.CLIENT_CONFIRMED, now)]
    if not consultation.notifications.filter(kind=Kind.CLINICIAN_NEW_REQUEST).exists():
        rows.append((Kind.CLINICIAN_BOOKED, now))
    return Plan(rows=rows + _reminders_and_fit_check(consultation, now))


def _plan_declined(consultation: Consultation, now: dt.datetime) -> Plan:
    return Plan(cancel=True, rows=[(Kind.CLIENT_DECLINED, now)])


def _plan_expired(consultation: Consultation, now: dt.datetime) -> Plan:
    return Plan(cancel=True, rows=[(Kind.CLIENT_EXPIRED, now)])


def _plan_cancelled(consultation: Consultation, now: dt.datetime) -> Plan:
    # The clinician heard of the request (or the booking), so they hear it went away too.
    return Plan(cancel=True, rows=[(Kind.CLIENT_CANCELLED, now), (Kind.CLINICIAN_CANCELLED, now)])


def _plan_rescheduled(consultation: Consultation, now: dt.datetime) -> Plan:
    # Everything planned for the old time goes; the new time gets its own rows.
    rows = [(Kind.CLIENT_RESCHEDULED, now), (Kind.CLINICIAN_RESCHEDULED, now)]
    if consultation.status == CStatus.CONFIRMED:
        rows += _reminders_and_fit_check(consultation, now)
    return Plan(cancel=True, rows=rows)


def _plan_completed(consultation: Consultation, now: dt.datetime) -> Plan:
    fit_check_due = consultation.ends_at + dt.timedelta(minutes=settings.FIT_CHECK_DELAY_MINUTES)
    return Plan(
        cancel=True, cancel_only=Kind.REMINDER, rows=[(Kind.FIT_CHECK, max(now, fit_check_due))]
    )


def _plan_no_show(consultation: Consultation, now: dt.datetime) -> Plan:
    return Plan(cancel=True)


PLANS: dict[Event, Callable[[Consultation, dt.datetime], Plan]] = {
    Event.REQUESTED: _plan_requested,
    Event.CONFIRMED: _plan_confirmed,
    Event.DECLINED: _plan_declined,
    Event.EXPIRED: _plan_expired,
    Event.CANCELLED: _plan_cancelled,
    Event.RESCHEDULED: _plan_rescheduled,
    Event.COMPLETED: _plan_completed,
    Event.NO_SHOW: _plan_no_show,
}


def consultation_notify(*, consultation: Consultation, event: str) -> None:
    """Record the messages that a consultation event calls for. Call inside the transaction,
    after the consultation's status (and, for a reschedule or cancellation, its `sequence`)
    were saved. Calling it twice for the same event records nothing more."""
    now = timezone.now()
    if event == Event.REQUESTED and consultation.status == CStatus.CONFIRMED:
        event = Event.CONFIRMED
    try:
        plan = PLANS[Event(event)](consultation, now)
    except ValueError:
        logger.warning("No notifications for consultation event %r", event)
        return
    if plan.cancel:
        _cancel_pending(consultation, only=plan.cancel_only)
    if not plan.rows:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                consultation=consultation, kind=kind, revision=consultation.sequence, due_at=due
            )
            for kind, due in plan.rows
        ],
        # The unique constraint makes a repeated event a no-op.
        ignore_conflicts=True,
    )
    due_now = [kind for kind, due in plan.rows if due <= now]
    if due_now:
        ids = list(
            Notification.objects.filter(
                consultation=consultation,
                revision=consultation.sequence,
                kind__in=due_now,
                status=Status.PENDING,
            ).values_list("pk", flat=True)
        )
        _enqueue_on_commit(ids)


def intake_safety_notify(*, intake_reference) -> None:
    """Record the email to the practice's intake address about a safety flag (no answers).

    One email per flag: a new row each time, unless one for this intake is still unsent."""
    _intake_notify(intake_reference, Kind.INTAKE_SAFETY)


def intake_safety_reminder_notify(*, intake_reference) -> None:
    """Record the reminder that a same-day call is still waiting (the call queue claims it
    once per flag)."""
    _intake_notify(intake_reference, Kind.INTAKE_SAFETY_REMINDER)


def _intake_notify(intake_reference, kind) -> None:
    Notification.objects.bulk_create(
        [Notification(intake_reference=intake_reference, kind=kind, due_at=timezone.now())],
        # The partial unique constraint (one unsent row per intake and kind) decides, race-free.
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            intake_reference=intake_reference, kind=kind, status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    _enqueue_on_commit(ids)


def _reminders_and_fit_check(
    consultation: Consultation, now: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    # Reminders count real hours back from the start (in UTC), so "1 hour before" is an hour
    # before even across a DST change. One that would fall before the booking was made, or
    # before now, is pointless and not recorded.
    earliest = max(now, consultation.created_at or now)
    plan = []
    for minutes in sorted(set(settings.CONSULTATION_REMINDERS_MINUTES), reverse=True):
        due = consultation.starts_at - dt.timedelta(minutes=minutes)
        if due > earliest:
            plan.append((reminder_kind(minutes), due))
    delay = dt.timedelta(minutes=settings.FIT_CHECK_DELAY_MINUTES)
    plan.append((Kind.FIT_CHECK, consultation.ends_at + delay))
    return plan


def _cancel_pending(consultation: Consultation, *, only: Kind | None = None) -> None:
    rows = Notification.objects.filter(consultation=consultation, status=Status.PENDING)
    if only is not None:
        rows = rows.filter(stored_as(only))
    rows.update(status=Status.CANCELLED, last_error="")


def _enqueue_on_commit(ids: list[int]) -> None:
    if ids:
        # After commit only: a rolled-back booking sends nothing.
        transaction.on_commit(partial(_enqueue, ids))


def _enqueue(ids: list[int]) -> None:
    from .tasks import send_notification

    for pk in ids:
        try:
            send_notification.apply_async((pk,), retry=True, retry_policy=_PUBLISH_RETRY)
        except Exception as exc:
            # The booking is committed; the sweep sends these once the broker is back.
            logger.warning(
                "Could not queue notifications %s (%s); the sweep will send them.",
                ids,
                type(exc).__name__,
            )
            return


# Sending


def notification_send(*, notification_id: int) -> bool:
    """Send one due notification if nobody else has claimed it. True when this call sent it."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    notification = _with_related(Notification.objects).get(pk=notification_id)
    return _deliver(notification, now=now, connection=None) == Status.SENT


def notifications_sweep(*, now: dt.datetime | None = None, batch_size: int = 100) -> int:
    """Send every notification due at `now`, claiming them in batches. Returns how many went.

    Safe to run concurrently: each batch is picked with SKIP LOCKED and claimed in the same
    transaction, so two sweeps never hold the same row."""
    now = now or timezone.now()
    notifications_reclaim_stale()
    sent = 0
    while True:
        batch = _claim_batch(now, batch_size)
        if not batch:
            return sent
        # One mail-server connection per batch rather than per message.
        connection = get_connection()
        try:
            for notification in batch:
                sent += _deliver(notification, now=now, connection=connection) == Status.SENT
        finally:
            _close_quietly(connection)


def notifications_reclaim_stale() -> int:
    """Put back rows whose sender died mid-send (claimed longer ago than the lease).

    This is the at-least-once window described at the top of this module."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    gave_up = stale.filter(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        status=Status.FAILED,
        last_error="The sender stopped while sending, too many times.",
    )
    reclaimed = stale.update(status=Status.PENDING, claimed_at=None)
    if reclaimed or gave_up:
        logger.warning("Reclaimed %s notifications from stopped senders", reclaimed + gave_up)
    return reclaimed


def notifications_retry(*, notification_ids) -> int:
    """Staff's "retry": failed rows go back to pending, due now, with a fresh set of attempts."""
    now = timezone.now()
    # An intake may have one unsent safety email at a time: a failed one whose intake already
    # has another on its way (or a second failed one in the same retry) stays failed.
    unsent_twin = Notification.objects.filter(
        intake_reference=OuterRef("intake_reference"),
        kind=OuterRef("kind"),
        status__in=(Status.PENDING, Status.SENDING),
    )
    ids, intakes = [], set()
    for pk, intake, kind in (
        Notification.objects.filter(pk__in=notification_ids, status=Status.FAILED)
        .exclude(Exists(unsent_twin))
        .order_by("-pk")
        .values_list("pk", "intake_reference", "kind")
    ):
        if intake is not None and (intake, kind) in intakes:
            continue
        intakes.add((intake, kind))
        ids.append(pk)
    count = Notification.objects.filter(pk__in=ids, status=Status.FAILED).update(
        status=Status.PENDING, due_at=now, attempts=0, claimed_at=None
    )
    _enqueue_on_commit(ids)
    return count


def _claim_batch(now: dt.datetime, size: int) -> list[Notification]:
    claimed_at = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
        )
    return list(_with_related(Notification.objects.filter(pk__in=ids)).order_by("due_at", "pk"))


def _with_related(rows):
    # Everything `stale_verdict` and the message read, in the same query as the row.
    return rows.select_related("consultation__clinician", "consultation__fit_check")


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Mail connection did not close cleanly", exc_info=False)


def _deliver(notification: Notification, *, now: dt.datetime, connection) -> str:
    """Send a row this process has claimed and record the outcome. Returns the new status."""
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_at=notification.claimed_at
    )
    verdict = stale_verdict(notification, now)
    if verdict is not None:
        mine.update(status=verdict.status, last_error=verdict.reason)
        return verdict.status
    try:
        message = build_message(notification, connection=connection)
    except Exception as exc:
        return _record_failure(notification, mine, exc, now)
    # Renew the claim right before sending: if this batch outlived the lease and another sweep
    # took the row back meanwhile, that sweep sends it and this one doesn't.
    renewed = timezone.now()
    if mine.update(claimed_at=renewed) != 1:
        logger.info("Notification %s was taken over by another sender", notification.pk)
        return Status.SENDING
    notification.claimed_at = renewed
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_at=renewed
    )
    try:
        message.send()
    except Exception as exc:
        # Mail server errors, refused connections, timeouts: try again later.
        if connection is not None:
            _close_quietly(connection)
        return _record_failure(notification, mine, exc, now)
    if mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="") != 1:
        # Only if this one send outlived the lease and the row was reclaimed: the documented
        # window.
        logger.warning("Notification %s was sent after its claim lapsed", notification.pk)
    return Status.SENT


def _record_failure(notification: Notification, mine, exc: Exception, now: dt.datetime) -> str:
    # Only the error's type and the server's reply code: the text can hold the recipient's
    # address (SMTPRecipientsRefused) or other parts of the message.
    code = getattr(exc, "smtp_code", "")
    error = f"{type(exc).__name__}: {code}" if code else type(exc).__name__
    attempts = notification.attempts
    if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, last_error=error, claimed_at=None)
        logger.error(
            "Notification %s failed after %s attempts (%s)",
            notification.pk,
            attempts,
            type(exc).__name__,
        )
        return Status.FAILED
    mine.update(
        status=Status.PENDING,
        due_at=now + retry_delay(attempts),
        last_error=error,
        claimed_at=None,
    )
    logger.warning(
        "Notification %s attempt %s failed (%s); will retry",
        notification.pk,
        attempts,
        type(exc).__name__,
    )
    return Status.PENDING


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter: base·2^(n−1), each wait drawn from its upper half so
    that messages failing together don't all come back at the same moment."""
    ceiling = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    ceiling = min(ceiling, 6 * 3600)
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))
