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
import logging
import random
import zoneinfo
from dataclasses import dataclass
from email.mime.text import MIMEText
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Consultation, Notification
from .tokens import fit_check_url, manage_url, next_match_url

logger = logging.getLogger(__name__)

Status = Notification.Status
CStatus = Consultation.Status

CLIENT_REQUEST_RECEIVED = "client_request_received"
CLINICIAN_NEW_REQUEST = "clinician_new_request"
CLIENT_CONFIRMED = "client_confirmed"
# To the clinician when a booking needed no confirmation: they haven't heard of it yet.
CLINICIAN_BOOKED = "clinician_booked"
CLIENT_DECLINED = "client_declined"
CLIENT_EXPIRED = "client_expired"
CLIENT_CANCELLED = "client_cancelled"
CLINICIAN_CANCELLED = "clinician_cancelled"
CLIENT_RESCHEDULED = "client_rescheduled"
CLINICIAN_RESCHEDULED = "clinician_rescheduled"
REMINDER_PREFIX = "reminder_"
FIT_CHECK = "fit_check"
INTAKE_SAFETY = "intake_safety"

# Publishing a task must not hold a booking up when the broker is down: one quick retry, then
# the sweep takes over.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

SHORT_FORMAT = "D j M, g:i A"  # Tue 3 Dec, 4:00 PM
LONG_FORMAT = "l j F Y, g:i A T"  # Tuesday 3 December 2024, 4:00 PM EST


def reminder_kind(minutes: int) -> str:
    return f"{REMINDER_PREFIX}{minutes}"


# Recording what an event calls for


def consultation_notify(*, consultation: Consultation, event: str) -> None:
    """Record the messages that a consultation event calls for. Call inside the transaction,
    after the consultation's status (and, for a reschedule or cancellation, its `sequence`)
    were saved. Calling it twice for the same event records nothing more."""
    now = timezone.now()
    if event == "requested" and consultation.status == CStatus.CONFIRMED:
        event = "confirmed"
    plan: list[tuple[str, dt.datetime]] = []

    if event == "requested":
        plan = [(CLIENT_REQUEST_RECEIVED, now), (CLINICIAN_NEW_REQUEST, now)]
    elif event == "confirmed":
        plan = [(CLIENT_CONFIRMED, now)]
        if not consultation.notifications.filter(kind=CLINICIAN_NEW_REQUEST).exists():
            plan.append((CLINICIAN_BOOKED, now))
        plan += _reminders_and_fit_check(consultation, now)
    elif event in ("declined", "expired"):
        _cancel_pending(consultation)
        plan = [(CLIENT_DECLINED if event == "declined" else CLIENT_EXPIRED, now)]
    elif event == "cancelled":
        _cancel_pending(consultation)
        plan = [(CLIENT_CANCELLED, now)]
        if consultation.confirmed_at is not None:
            plan.append((CLINICIAN_CANCELLED, now))
    elif event == "rescheduled":
        # Everything planned for the old time goes; the new time gets its own rows.
        _cancel_pending(consultation)
        plan = [(CLIENT_RESCHEDULED, now), (CLINICIAN_RESCHEDULED, now)]
        if consultation.status == CStatus.CONFIRMED:
            plan += _reminders_and_fit_check(consultation, now)
    elif event == "completed":
        _cancel_pending(consultation, kinds_starting=REMINDER_PREFIX)
        fit_check_due = consultation.ends_at + dt.timedelta(
            minutes=settings.FIT_CHECK_DELAY_MINUTES
        )
        plan = [(FIT_CHECK, max(now, fit_check_due))]
    elif event == "no_show":
        _cancel_pending(consultation)
    else:
        logger.warning("No notifications for consultation event %r", event)
        return

    if not plan:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                consultation=consultation, kind=kind, revision=consultation.sequence, due_at=due
            )
            for kind, due in plan
        ],
        # The unique constraint makes a repeated event a no-op.
        ignore_conflicts=True,
    )
    due_now = [kind for kind, due in plan if due <= now]
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
    now = timezone.now()
    Notification.objects.bulk_create(
        [Notification(intake_reference=intake_reference, kind=INTAKE_SAFETY, due_at=now)],
        # The partial unique constraint (one unsent row per intake and kind) decides, race-free.
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            intake_reference=intake_reference, kind=INTAKE_SAFETY, status=Status.PENDING
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
    plan.append((FIT_CHECK, consultation.ends_at + delay))
    return plan


def _cancel_pending(consultation: Consultation, *, kinds_starting: str = "") -> None:
    rows = Notification.objects.filter(consultation=consultation, status=Status.PENDING)
    if kinds_starting:
        rows = rows.filter(kind__startswith=kinds_starting)
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
    # Everything `_verdict` and the message read, in the same query as the row.
    return rows.select_related("consultation__clinician", "consultation__fit_check")


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Mail connection did not close cleanly", exc_info=False)


# News about an upcoming time that is pointless once that time has come.
_BEFORE_ONLY = (CLIENT_REQUEST_RECEIVED, CLINICIAN_NEW_REQUEST, CLIENT_CONFIRMED, CLINICIAN_BOOKED)


@dataclass(frozen=True)
class _Verdict:
    status: str
    reason: str


def _verdict(notification: Notification, now: dt.datetime) -> _Verdict | None:
    """Why a claimed row should not go out any more, or None to send it."""
    if notification.kind == INTAKE_SAFETY:
        return None
    consultation = notification.consultation
    kind = notification.kind
    if notification.revision != consultation.sequence:
        return _Verdict(Status.CANCELLED, "The consultation changed since this was planned.")
    if kind.startswith(REMINDER_PREFIX):
        if consultation.status != CStatus.CONFIRMED:
            return _Verdict(Status.CANCELLED, "The consultation is no longer confirmed.")
        if now >= consultation.starts_at:
            return _Verdict(Status.SKIPPED, "The consultation had already started.")
        grace = dt.timedelta(minutes=settings.NOTIFICATION_GRACE_MINUTES)
        if now > notification.due_at + grace:
            return _Verdict(Status.SKIPPED, "Too late to remind: past the grace window.")
    elif kind == FIT_CHECK:
        if consultation.status not in (CStatus.CONFIRMED, CStatus.COMPLETED):
            return _Verdict(Status.CANCELLED, "The consultation did not take place.")
        # Loaded with the row (select_related): no query of its own.
        if hasattr(consultation, "fit_check"):
            return _Verdict(Status.CANCELLED, "The client has already answered.")
    elif kind in (CLIENT_CONFIRMED, CLINICIAN_BOOKED) and consultation.status != CStatus.CONFIRMED:
        return _Verdict(Status.CANCELLED, "The consultation is no longer confirmed.")
    if kind in _BEFORE_ONLY and now >= consultation.starts_at:
        return _Verdict(Status.SKIPPED, "The consultation time has passed.")
    if not _recipient(notification):
        return _Verdict(Status.CANCELLED, "No address (the client's data was deleted).")
    return None


def _deliver(notification: Notification, *, now: dt.datetime, connection) -> str:
    """Send a row this process has claimed and record the outcome. Returns the new status."""
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_at=notification.claimed_at
    )
    verdict = _verdict(notification, now)
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


# The messages


def _recipient(notification: Notification) -> str:
    if notification.kind == INTAKE_SAFETY:
        return settings.PRACTICE_INTAKE_EMAIL
    consultation = notification.consultation
    if notification.kind.startswith("clinician_"):
        return consultation.clinician.email
    return consultation.client_email


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.PRACTICE_TIME_ZONE)


def _when(value: dt.datetime, zone_name: str, fmt: str) -> str:
    return dateformat.format(value.astimezone(_zone(zone_name)), fmt)


def _lead(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("in %(n)s hour", "in %(n)s hours", hours) % {"n": hours}
    return ngettext("in %(n)s minute", "in %(n)s minutes", minutes) % {"n": minutes}


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def build_message(notification: Notification, *, connection=None) -> EmailMultiAlternatives:
    """The email for a notification, rendered from today's data (a reschedule shows the new
    time). Only the minimum necessary: never the client's concerns, goals or intake answers."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, template, context, ics_for = _compose(notification)
        context.update(
            practice_name=settings.PRACTICE_NAME,
            practice_phone=settings.PRACTICE_PHONE,
            subject=subject,
            LANGUAGE_CODE=translation.get_language(),
        )
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_recipient(notification)],
        connection=connection,
        # The same id on every attempt, so a rare duplicate folds into one in mail clients.
        headers={"Message-ID": f"<notification.{notification.pk}@{_site_domain()}>"},
    )
    message.attach_alternative(html, "text/html")
    if ics_for is not None:
        message.attach(_ics_part(notification.consultation, for_clinician=ics_for))
    return message


def _ics_part(consultation: Consultation, *, for_clinician: bool) -> MIMEText:
    from .ics import consultation_ics

    content = consultation_ics(consultation, for_clinician=for_clinician)
    method = "CANCEL" if b"METHOD:CANCEL" in content else "REQUEST"
    part = MIMEText(content.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="consultation.ics")
    return part


def _compose(notification: Notification) -> tuple[str, str, dict, bool | None]:
    """(subject, template name, context, calendar invite for the clinician? / None: no invite)"""
    kind = notification.kind
    if kind == INTAKE_SAFETY:
        # A URL name, not an import: consultations never imports matching.
        path = reverse("admin:matching_intake_change", args=[notification.intake_reference])
        admin_url = settings.SITE_URL + path
        return (
            _("An intake needs a same-day call"),
            "practice_intake_safety",
            {"admin_url": admin_url},
            None,
        )

    consultation = notification.consultation
    clinician = consultation.clinician
    if kind.startswith("clinician_"):
        zone = clinician.timezone
        context = {
            "clinician_first_name": clinician.first_name,
            "client_first_name": consultation.client_first_name,
            "when": _when(consultation.starts_at, zone, LONG_FORMAT),
            "format": consultation.format,
            "portal_url": settings.SITE_URL + reverse("consultations:portal"),
            "needs_confirmation": consultation.status == CStatus.REQUESTED,
        }
        short = _when(consultation.starts_at, zone, SHORT_FORMAT)
        confirmed = consultation.status == CStatus.CONFIRMED
        subjects = {
            CLINICIAN_NEW_REQUEST: (_("New consultation request for %(when)s"), None),
            CLINICIAN_BOOKED: (_("New consultation on %(when)s"), True),
            CLINICIAN_CANCELLED: (_("Consultation on %(when)s cancelled"), True),
            CLINICIAN_RESCHEDULED: (
                _("Consultation moved to %(when)s"),
                True if confirmed else None,
            ),
        }
        subject, ics_for = subjects[kind]
        return subject % {"when": short}, kind, context, ics_for

    zone = consultation.client_timezone
    short = _when(consultation.starts_at, zone, SHORT_FORMAT)
    context = {
        "first_name": consultation.client_first_name,
        "clinician_name": clinician.full_name,
        "when": _when(consultation.starts_at, zone, LONG_FORMAT),
        "format": consultation.format,
        "video_link": clinician.video_link,
        "manage_url": manage_url(consultation),
    }
    confirmed = consultation.status == CStatus.CONFIRMED
    if kind.startswith(REMINDER_PREFIX):
        context["lead"] = _lead(int(kind.removeprefix(REMINDER_PREFIX)))
        subject = _("Reminder: your consultation on %(when)s") % {"when": short}
        return subject, "client_reminder", context, None
    if kind == FIT_CHECK:
        context["fit_check_url"] = fit_check_url(consultation)
        return _("How did your consultation go?"), "client_fit_check", context, None
    if kind in (CLIENT_DECLINED, CLIENT_EXPIRED):
        context["next_match_url"] = next_match_url(consultation)
        context["decline_message"] = consultation.decline_message if kind == CLIENT_DECLINED else ""
        subject = _("About your consultation request for %(when)s") % {"when": short}
        return subject, kind, context, None
    subjects = {
        CLIENT_REQUEST_RECEIVED: (_("Your consultation request for %(when)s"), None),
        CLIENT_CONFIRMED: (_("Your consultation on %(when)s is confirmed"), False),
        CLIENT_CANCELLED: (
            _("Your consultation on %(when)s is cancelled"),
            False if consultation.confirmed_at else None,
        ),
        CLIENT_RESCHEDULED: (
            _("Your consultation is now on %(when)s"),
            False if confirmed else None,
        ),
    }
    subject, ics_for = subjects[kind]
    context["needs_confirmation"] = consultation.status == CStatus.REQUESTED
    return subject % {"when": short}, kind, context, ics_for
