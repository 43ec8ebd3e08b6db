import datetime as dt
import uuid
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from consultations import access_log, holds, notifications
from consultations.models import Consultation
from consultations.services import ERASED_NAME, consultation_erase_client

from .models import Intake
from .tokens import new_token, token_expiry, token_hash
from .vocab import SAFETY_NOT_AT_ALL
from .working_hours import add_working_hours


class IntakeAlreadySubmitted(Exception):
    """The same draft was submitted before (a double POST); its intake already exists."""


def intake_flag_for_call(intake: Intake, *, now: dt.datetime) -> None:
    """Put the intake in the same-day call queue (a new flag, due its reminder in working
    hours) and record the email to the practice. The caller saves the intake, inside the same
    transaction, so the notification rows exist only if the intake does."""
    intake.follow_up = Intake.FollowUp.PENDING
    intake.follow_up_flagged_at = now
    intake.follow_up_due_at = same_day_call_due(now)
    intake.follow_up_reminded_at = None
    intake.follow_up_changed_at = None
    intake.follow_up_changed_by = None
    notifications.intake_safety_notify(intake_reference=intake.id)


def same_day_call_due(flagged_at: dt.datetime) -> dt.datetime:
    """When a flag still not marked reached sends its reminder: working hours, not clock hours."""
    return add_working_hours(
        flagged_at,
        settings.SAME_DAY_CALL_REMINDER_HOURS,
        windows=settings.PRACTICE_WORKING_HOURS,
        zone=ZoneInfo(settings.PRACTICE_TIME_ZONE),
    )


@transaction.atomic
def intake_submit(
    *,
    answers: dict,
    now: dt.datetime,
    reference: uuid.UUID | None = None,
    raw_token: str | None = None,
    language: str = settings.LANGUAGE_CODE,
) -> tuple[Intake, str]:
    """Save a finished intake and return it with the raw secret of its results link.

    A browser draft passes the `reference` and `raw_token` it was given when it started, so a
    second submission of the same draft fails with IntakeAlreadySubmitted instead of creating a
    twin, and can still send the client to the same link."""
    if raw_token is None:
        raw_token, hashed = new_token()
    else:
        hashed = token_hash(raw_token)
    intake = Intake(
        id=reference or uuid.uuid4(),
        token_hash=hashed,
        answers=answers,
        safety_answer=answers.get("safety", SAFETY_NOT_AT_ALL),
        submitted_at=now,
        expires_at=token_expiry(now),
        language=language,
    )
    if intake.safety_flagged:
        intake_flag_for_call(intake, now=now)
    try:
        with transaction.atomic():
            intake.save(force_insert=True)
    except IntegrityError:
        raise IntakeAlreadySubmitted from None
    _email_results_link(intake, raw_token)
    return intake, raw_token


def _email_results_link(intake: Intake, raw_token: str) -> None:
    """Queue the one email with the results link, in the intake's own transaction: a client who
    closes the tab (or took the safety path) can still find their matches."""
    answers = intake.answers
    if not answers.get("email"):
        return
    notifications.intake_results_notify(
        intake_reference=intake.id,
        email=answers["email"],
        first_name=answers.get("first_name", ""),
        results_path=reverse("matching:results", args=[raw_token]),
        expires_at=intake.expires_at,
        timezone_name=answers.get("timezone", ""),
        language=intake.language,
    )


@transaction.atomic
def intake_update(*, intake: Intake, answers: dict, language: str | None = None) -> Intake:
    """Replace a submitted intake's answers (and the language, when given, the client now uses);
    its results link stays the same."""
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    if language:
        intake.language = language
    before = intake.safety_answer
    intake.answers = answers
    intake.safety_answer = answers.get("safety", SAFETY_NOT_AT_ALL)
    # A follow-up under way stays staff's to close while the answer is the one they followed
    # up; a new worrying answer, even after they closed it, needs a new look.
    closed = intake.follow_up not in (Intake.FollowUp.NONE, Intake.FollowUp.PENDING)
    if intake.safety_flagged and (
        not intake.follow_up or (closed and intake.safety_answer != before)
    ):
        intake_flag_for_call(intake, now=timezone.now())
    intake.save()
    return intake


def intake_delete(*, intake: Intake) -> None:
    """The client's "delete my data": their answers, and their name, contact details and intake
    summary on any consultation they booked (which cancels it and its pending emails)."""
    with transaction.atomic():
        consultation_erase_client(client_reference=intake.pk)
        Intake.objects.filter(pk=intake.pk).delete()


# A consultation in one of these means the intake led to a booking the practice keeps.
_BOOKED_STATUSES = (
    *Consultation.ACTIVE_STATUSES,
    Consultation.Status.COMPLETED,
    Consultation.Status.NO_SHOW,
)


def intake_purge(*, now: dt.datetime) -> int:
    """Delete intakes older than the retention period that never led to a booking: no
    consultation, or only ones declined, expired or cancelled. Those consultations keep their
    row for the practice's figures, but lose everything personal: the client's name, email,
    phone, the intake summary copied onto them and the clinician's message to them."""
    cutoff = now - dt.timedelta(days=settings.INTAKE_RETENTION_DAYS)
    booked = Consultation.objects.filter(
        client_reference=OuterRef("pk"), status__in=_BOOKED_STATUSES
    )
    purgeable = Intake.objects.filter(submitted_at__lt=cutoff).filter(~Exists(booked))
    unbooked = Consultation.objects.filter(client_reference__in=purgeable.values("pk")).exclude(
        status__in=_BOOKED_STATUSES
    )
    # Three statements, no per-row work: the consultations first, so a failure between them
    # leaves nothing of a purged intake behind (the next run finishes the job).
    # A delivery error can quote the client's address; an unsent results email holds it.
    notifications.notifications_forget(
        consultations=unbooked, intake_references=purgeable.values("pk")
    )
    unbooked.update(
        client_first_name=ERASED_NAME,
        client_email="",
        client_phone="",
        client_summary=[],
        decline_message="",
    )
    holds.clients_forgotten(client_references=purgeable.values("pk"))
    _total, per_model = purgeable.delete()
    return per_model.get(Intake._meta.label, 0)


def answers_access_purge(*, now: dt.datetime) -> int:
    """Delete access-log rows older than the retention period about intakes no longer held;
    an intake the practice keeps (it led to a booking) keeps its log."""
    cutoff = now - dt.timedelta(days=settings.INTAKE_RETENTION_DAYS)
    return access_log.answers_access_purge(
        before=cutoff, keep_references=Intake.objects.values("pk")
    )


def sessions_clear_expired() -> None:
    """Delete expired sessions (unsent intake drafts among them) from the session store."""
    # What `manage.py clearsessions` does; a cookie-based engine has nothing to clear.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def intake_erase(*, reference: uuid.UUID) -> int:
    """Delete the intake with this id, when the client's data is erased elsewhere."""
    _total, per_model = Intake.objects.filter(pk=reference).delete()
    return per_model.get(Intake._meta.label, 0)
