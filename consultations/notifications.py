"""Notifications: rows in the database, swept and sent exactly once.

A booking event records the messages it calls for as `Notification` rows (due now or later);
rows due now are also queued once the transaction commits. Sending claims a row with a
conditional UPDATE (pending and due → sending), so two workers, a retried task or two sweeps
at once can't both send it. A beat task sweeps due rows every minute: that is also the safety
net for a lost task or a broker that was down when the client booked.

A row is claimed only when its turn comes, one at a time, so a worker that dies holds at most
the message it was sending. Once that claim's lease (NOTIFICATION_CLAIM_LEASE_SECONDS, 45 s)
has run out, a sweep puts the row back and sends it (a running sweep checks before each read
of due rows, the beat starts one every minute): within lease + one beat interval, under two
minutes, of the death.

Delivery is exactly once except for one window we can't close: if a worker dies after the mail
server accepted a message but before the row is marked sent, or if one send takes longer than
the lease (each step of it is bounded by EMAIL_TIMEOUT, and the settings require the lease to
be at least twice that), the row is sent again. Every message carries the same Message-ID on
every attempt, so mail clients can fold such a duplicate.

A mail server's temporary trouble (4xx replies, timeouts, refused or dropped connections) is
retried with capped exponential backoff for NOTIFICATION_RETRY_HOURS after the first failure;
a reminder stops once it would come too late. A refusal of the message itself (5xx) fails it
at once. Failed rows, and rows that have been failing for an hour, are counted for staff
(`selectors.notification_trouble`).
"""

import datetime as dt
import enum
import logging
import random
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinicians.zones import zone_or_practice

from .messages import (
    Kind,
    build_message,
    reminder_deadline,
    reminder_kind,
    stale_verdict,
    stored_as,
)
from .models import BookingSettings, Consultation, Notification, NotificationPreferences

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
    return Plan(
        rows=[
            (Kind.CLIENT_REQUEST_RECEIVED, now),
            (Kind.CLINICIAN_NEW_REQUEST, now),
            *_request_waiting(consultation, now),
        ]
    )


def _plan_confirmed(consultation: Consultation, now: dt.datetime) -> Plan:
    rows = [(Kind.CLIENT_CONFIRMED, now)]
    if not consultation.notifications.filter(kind=Kind.CLINICIAN_NEW_REQUEST).exists():
        rows.append((Kind.CLINICIAN_BOOKED, now))
    # Answered: the reminder that it was waiting goes.
    return Plan(
        cancel=True,
        cancel_only=Kind.CLINICIAN_REQUEST_WAITING,
        rows=rows + _reminders_and_fit_check(consultation, now),
    )


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
    elif not consultation.notifications.filter(
        kind=Kind.CLINICIAN_REQUEST_WAITING, status__in=(Status.SENDING, Status.SENT)
    ).exists():
        # A moved request still waits; its one reminder, unless it has already gone.
        rows += _request_waiting(consultation, now)
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
        enqueue_on_commit(ids)


def intake_safety_notify(*, intake_reference) -> None:
    """Record the email to the practice's intake address about a safety flag (no answers).

    One email per flag: a new row each time, unless one for this intake is still unsent."""
    _intake_notify(intake_reference, Kind.INTAKE_SAFETY)


def intake_safety_reminder_notify(*, intake_reference) -> None:
    """Record the reminder that a same-day call is still waiting (the call queue claims it
    once per flag)."""
    _intake_notify(intake_reference, Kind.INTAKE_SAFETY_REMINDER)


def intake_results_notify(
    *,
    intake_reference,
    email: str,
    first_name: str,
    results_path: str,
    expires_at: dt.datetime,
    timezone_name: str,
    language: str = settings.LANGUAGE_CODE,
) -> None:
    """Record the email with the client's private results link. Call inside the transaction
    that saves the intake: the link goes out once, and only if the intake exists.

    The link's secret is stored only as a hash with the intake, so the row keeps the path (and
    the address) in its payload until the email has gone out, then forgets them."""
    _intake_notify(
        intake_reference,
        Kind.INTAKE_RESULTS,
        payload={
            "to": email,
            "first_name": first_name,
            "path": results_path,
            "expires_at": expires_at.isoformat(),
            "timezone": timezone_name,
            # The email is written in the client's language (messages.message_language).
            "language": language,
        },
    )


def waitlist_notify(*, client_reference, kind: Kind, payload: dict) -> bool:
    """Record an email to a client on the waiting list (joined, or an offer): about their intake,
    with the address and what the message names in its payload until sent. A still-unsent one
    of the same kind is replaced (an older offer has ended by the time a new one is made).
    Returns False when one is being sent right now, so none could be recorded."""
    Notification.objects.filter(
        intake_reference=client_reference, kind=kind, status=Status.PENDING
    ).update(status=Status.CANCELLED, last_error="Replaced by a newer message.", payload={})
    created = Notification.objects.bulk_create(
        [
            Notification(
                intake_reference=client_reference,
                kind=kind,
                due_at=timezone.now(),
                payload=payload,
            )
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            intake_reference=client_reference, kind=kind, status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    enqueue_on_commit(ids)
    return bool(created) and bool(ids)


def clinician_digests_record(*, now: dt.datetime | None = None) -> int:
    """Record today's summary for every clinician who asked for one and whose chosen time has
    come in their own zone: tomorrow's consultations, read when it is sent. Returns how many.

    Once a day per clinician: the row is written only by whoever moves the clinician's
    `digest_claimed_for` to today with a conditional update, so two beats or a retried task
    record it once. A beat that was down catches up the same day; a day it missed entirely has
    no summary (its "tomorrow" has come)."""
    now = now or timezone.now()
    recorded = 0
    wanting = NotificationPreferences.objects.filter(
        digest=True, clinician__is_active=True
    ).select_related("clinician")
    for preferences in wanting:
        local = now.astimezone(zone_or_practice(preferences.clinician.timezone))
        today = local.date()
        if local.time() < preferences.digest_time:
            continue
        if preferences.digest_claimed_for is not None and preferences.digest_claimed_for >= today:
            continue
        with transaction.atomic():
            claimed = (
                NotificationPreferences.objects.filter(pk=preferences.pk, digest=True)
                .filter(Q(digest_claimed_for__isnull=True) | Q(digest_claimed_for__lt=today))
                .update(digest_claimed_for=today)
            )
            if claimed != 1:
                continue
            row = Notification.objects.create(
                clinician_id=preferences.clinician_id,
                kind=Kind.CLINICIAN_DIGEST,
                due_at=now,
                payload={"date": (today + dt.timedelta(days=1)).isoformat()},
            )
            enqueue_on_commit([row.pk])
        recorded += 1
    return recorded


def clinician_profile_notify(*, clinician_id: int, approved: bool) -> None:
    """Record the email telling a clinician that staff approved, or returned, the profile
    changes they proposed. Call inside the transaction that decides: it goes only if that
    commits. One row per decision; the email carries a link to the portal and nothing else."""
    kind = Kind.PROFILE_APPROVED if approved else Kind.PROFILE_RETURNED
    row = Notification.objects.create(clinician_id=clinician_id, kind=kind, due_at=timezone.now())
    enqueue_on_commit([row.pk])


def notifications_forget(*, consultations=None, intake_references=None) -> None:
    """A client's data is going: their rows keep no delivery error (it can quote an address),
    no address or link (payload), and nothing more goes out about their intakes. One UPDATE
    for both (querysets are used as subqueries)."""
    which = Q(pk__in=[])
    if consultations is not None:
        which |= Q(consultation__in=consultations)
    if intake_references is not None:
        which |= Q(intake_reference__in=intake_references)
    Notification.objects.filter(which).update(
        last_error="",
        payload={},
        status=Case(
            When(
                status=Status.PENDING, intake_reference__isnull=False, then=Value(Status.CANCELLED)
            ),
            default=F("status"),
        ),
    )


def _intake_notify(intake_reference, kind, payload=None) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                intake_reference=intake_reference,
                kind=kind,
                due_at=timezone.now(),
                payload=payload or {},
            )
        ],
        # The partial unique constraint (one unsent row per intake and kind) decides, race-free.
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            intake_reference=intake_reference, kind=kind, status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    enqueue_on_commit(ids)


# A request nobody answered gets one reminder to the clinician after this long, or halfway to
# its expiry when it expires sooner than twice this (so there is as long left to answer as has
# passed): with the default 24-hour expiry, after 12 hours.
REQUEST_REMINDER_AFTER = dt.timedelta(hours=24)


def request_reminder_delay(expiry_hours: float) -> dt.timedelta:
    """How long after a request its reminder goes, for requests that expire after
    `expiry_hours` (a request whose start comes sooner is reminded sooner too)."""
    return min(REQUEST_REMINDER_AFTER, dt.timedelta(hours=expiry_hours) / 2)


def request_reminder_due(consultation: Consultation) -> dt.datetime:
    created = consultation.created_at
    expires = consultation.request_expires_at(BookingSettings.load().request_expiry_hours)
    return created + min(REQUEST_REMINDER_AFTER, (expires - created) / 2)


def _request_waiting(consultation: Consultation, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    if consultation.status != CStatus.REQUESTED:
        return []
    return [(Kind.CLINICIAN_REQUEST_WAITING, max(now, request_reminder_due(consultation)))]


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


def enqueue_on_commit(ids: list[int]) -> None:
    """Queue these rows' sending once the caller's transaction commits (the sweep is the
    safety net). For services elsewhere that record their own rows (checkins.py)."""
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


def notifications_sweep(*, now: dt.datetime | None = None, chunk: int = 100) -> int:
    """Send every notification due at `now`, oldest first. Returns how many went.

    Rows are read `chunk` at a time (with what the message needs) but claimed one at a time,
    each with a conditional UPDATE just before it is sent: a sender that dies holds only the
    message it was sending, and two sweeps at once never both send a row (the second's claim
    finds it taken and moves on)."""
    now = now or timezone.now()
    sent = 0
    # One mail-server connection for the whole sweep rather than one per message.
    connection = get_connection()
    try:
        while True:
            # Rows a dead sender left are put back before each read, so a long sweep picks
            # them up as soon as their lease has run out rather than at the next sweep.
            notifications_reclaim_stale()
            candidates = _due(now, chunk)
            if not candidates:
                break
            for notification in candidates:
                if _claim(notification, now):
                    sent += _deliver(notification, now=now, connection=connection) == Status.SENT
    finally:
        _close_quietly(connection)
    return sent


def notifications_reclaim_stale() -> int:
    """Put back rows whose sender died mid-send (claimed longer ago than the lease).

    This is the at-least-once window described at the top of this module. A row that has been
    failing for longer than the retry window is failed instead."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    gave_up = stale.filter(failing_since__lte=now - retry_window()).update(
        status=Status.FAILED,
        last_error="The sender stopped while sending; gave up at the end of the retry window.",
        claimed_at=None,
    )
    reclaimed = stale.update(
        status=Status.PENDING,
        claimed_at=None,
        failing_since=Coalesce("failing_since", "claimed_at"),
        last_error="The sender stopped while sending.",
    )
    if reclaimed or gave_up:
        logger.warning("Reclaimed %s notifications from stopped senders", reclaimed + gave_up)
    return reclaimed


def notifications_retry(*, notification_ids) -> int:
    """Staff's "retry": failed rows go back to pending, due now, with a fresh retry window."""
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
        status=Status.PENDING, due_at=now, attempts=0, claimed_at=None, failing_since=None
    )
    enqueue_on_commit(ids)
    return count


def _due(now: dt.datetime, size: int) -> list[Notification]:
    rows = Notification.objects.filter(status=Status.PENDING, due_at__lte=now)
    return list(_with_related(rows).order_by("due_at", "pk")[:size])


def _claim(notification: Notification, now: dt.datetime) -> bool:
    """Claim a row read a moment ago, if it is still pending and due. True when it is ours."""
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification.pk, status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    notification.status, notification.claimed_at = Status.SENDING, claimed_at
    notification.attempts += 1
    return True


def _with_related(rows):
    # Everything `stale_verdict` and the message read, in the same query as the row.
    return rows.select_related(
        "consultation__clinician__notification_preferences",
        "consultation__fit_check",
        "clinician__notification_preferences",
    )


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Mail connection did not close cleanly", exc_info=False)


def _deliver(notification: Notification, *, now: dt.datetime, connection) -> str:
    """Send a row this process has just claimed and record the outcome. Returns the new status."""
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_at=notification.claimed_at
    )
    verdict = stale_verdict(notification, now)
    if verdict is not None:
        mine.update(status=verdict.status, last_error=verdict.reason, payload={})
        return verdict.status
    try:
        message = build_message(notification, connection=connection)
        message.send()
    except Exception as exc:
        # Whatever went wrong, the next message gets a fresh connection.
        if connection is not None:
            _close_quietly(connection)
        return _record_failure(notification, mine, exc, now)
    # Sent: the row forgets the address and link it held for the message (payload).
    if mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="", payload={}) != 1:
        # Only if this one send outlived the lease and the row was reclaimed: the documented
        # window.
        logger.warning("Notification %s was sent after its claim lapsed", notification.pk)
    return Status.SENT


def _record_failure(notification: Notification, mine, exc: Exception, now: dt.datetime) -> str:
    error = describe_send_error(exc)
    failing_since = notification.failing_since or now
    outcome = {"last_error": error, "claimed_at": None, "failing_since": failing_since}
    if is_permanent_refusal(exc):
        mine.update(status=Status.FAILED, **outcome)
        logger.error(
            "Notification %s refused by the mail server (%s); not retried",
            notification.pk,
            error,
        )
        return Status.FAILED
    give_up_at = failing_since + retry_window()
    next_try = now + retry_delay(notification.attempts)
    too_late = Kind.of(notification.kind) is Kind.REMINDER and (
        next_try > reminder_deadline(notification)
    )
    if now >= give_up_at or too_late:
        hours = (now - failing_since).total_seconds() / 3600
        why = "the reminder would come too late" if too_late else "the retry window ended"
        outcome["last_error"] = (
            f"{error}; gave up after {notification.attempts} attempts over {hours:.1f} hours "
            f"({why})"
        )
        mine.update(status=Status.FAILED, **outcome)
        logger.error(
            "Notification %s failed for %.1f hours (%s); gave up: %s",
            notification.pk,
            hours,
            error,
            why,
        )
        return Status.FAILED
    # The last try falls at the end of the window, not past it.
    due_at = min(next_try, give_up_at)
    mine.update(status=Status.PENDING, due_at=due_at, **outcome)
    logger.warning(
        "Notification %s attempt %s failed (%s); will retry",
        notification.pk,
        notification.attempts,
        error,
    )
    return Status.PENDING


def retry_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.NOTIFICATION_RETRY_HOURS)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter: base·2^(n−1) up to a cap, each wait drawn from its upper
    half so that messages failing together don't all come back at the same moment."""
    ceiling = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 32)
    ceiling = min(ceiling, settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (not secret)


def is_permanent_refusal(exc: Exception) -> bool:
    """A 5xx reply to this message (its sender, recipient or content): sending it again would
    get the same answer. Everything else is retried: 4xx replies, timeouts, refused or dropped
    connections, and replies about the connection rather than the message (greeting, HELO,
    login), which a fixed mail server or setting cures for every message at once."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


# An enhanced status code (RFC 3463) at the start of a reply: "5.1.1", "4.7.1".
_ENHANCED_CODE = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})(?!\S)")


def describe_send_error(exc: Exception) -> str:
    """The error's type and the server's reply codes, never the reply's text: it can hold the
    recipient's address (SMTPRecipientsRefused) or other parts of the message."""
    code, reply = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b"")
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, reply = next(iter(exc.recipients.values()))
    if not code:
        # smtplib turns a timeout while reading a reply into a dropped connection: say so.
        timed_out = isinstance(exc.__context__, TimeoutError) and not isinstance(exc, TimeoutError)
        return f"{type(exc).__name__} (TimeoutError)" if timed_out else type(exc).__name__
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    enhanced = _ENHANCED_CODE.match(str(reply))
    detail = f"{code} {enhanced.group(1)}" if enhanced else str(code)
    return f"{type(exc).__name__}: {detail}"
