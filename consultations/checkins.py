"""Therapy after the consultation: the clinician's "we're starting to work together", the
client's check-ins at set weeks, and what a low or worrying check-in leads to. Every write
about them is here; the items and the rules that read them are `checkin_items` (pure).

- Starting therapy schedules one check-in email per week in CHECKIN_WEEKS after the first
  session (outbox rows, `checkin_w<week>`); each carries its own signed link, working
  CHECKIN_TOKEN_DAYS, and a one-click unsubscribe.
- A low alliance (an item at 0 or 1, or the total CHECKIN_ALLIANCE_DROP below the last check-in)
  is listed in the clinician's portal and emailed to them without content; the client's note
  is shown only if they ticked that the therapist may read it.
- Symptoms CHECKIN_SYMPTOM_RISE or more above the last figure we have (check-in or baseline)
  ask the safety question again; a worrying answer goes to the same-day call queue.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from clinicians.zones import zone_or_practice

from . import checkin_items as items
from .messages import Kind as MessageKind
from .messages import alliance_low_kind, checkin_kind, stored_as
from .models import CheckIn, Consultation, Engagement, Notification
from .notifications import enqueue_on_commit
from .signals import (
    checkin_recorded,
    checkin_safety_flagged,
    therapy_started,
    therapy_switch_requested,
)

logger = logging.getLogger(__name__)

# The one safety answer that needs no call (the intake's own, matching.vocab.SAFETY_NOT_AT_ALL).
SAFETY_NOT_AT_ALL = "not at all"
SAFETY_ANSWERS = (SAFETY_NOT_AT_ALL, "several days", "more than half the days", "nearly every day")
# A check-in email that fell due longer ago than this when therapy was recorded is not sent.
LATE_BY = dt.timedelta(days=7)


class EngagementNotAllowed(Exception):
    """The consultation has not been completed, so there is no therapy to record yet."""


class CheckInClosed(Exception):
    """The check-in can't be answered: therapy isn't on, the client stopped check-ins or
    switched, or the week is not one we ask about."""


# --- Starting therapy -----------------------------------------------------------------------


def engagement_record(
    *,
    consultation_id: int,
    started: bool,
    first_session_on: dt.date | None,
    user_id: int | None,
    now: dt.datetime | None = None,
) -> Engagement:
    """Record whether the client is starting therapy with this clinician (with the first
    session's date if so). Recording "starting" schedules the check-ins; changing it to "not"
    cancels those still pending. Saying the same again changes nothing."""
    now = now or timezone.now()
    if started and first_session_on is None:
        raise ValueError("first_session_on is required when therapy starts")
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
        if consultation.status != Consultation.Status.COMPLETED:
            raise EngagementNotAllowed(consultation.status)
        engagement = Engagement.objects.filter(consultation=consultation).first()
        if engagement is not None and (engagement.started, engagement.first_session_on) == (
            started,
            first_session_on if started else None,
        ):
            return engagement
        was_started = engagement is not None and engagement.started
        if engagement is None:
            engagement = Engagement(consultation=consultation)
        engagement.started = started
        engagement.first_session_on = first_session_on if started else None
        engagement.decided_at = now
        engagement.decided_by_id = user_id
        engagement.save()
        _cancel_checkin_emails(consultation)
        if started:
            _schedule_checkins(consultation, engagement, now=now)
            if not was_started and consultation.client_reference is not None:
                therapy_started.send(
                    sender=Engagement,
                    engagement_id=engagement.pk,
                    client_reference=consultation.client_reference,
                )
    return engagement


def engagement_set_baseline(*, engagement_id: int, baseline: dict) -> None:
    """Keep the client's answers from before therapy (matching copies them from the intake)."""
    Engagement.objects.filter(pk=engagement_id).update(baseline=baseline)


def _schedule_checkins(consultation: Consultation, engagement: Engagement, *, now) -> None:
    answered = set(engagement.checkins.values_list("week", flat=True))
    plan = items.checkin_schedule(
        engagement.first_session_on,
        weeks=settings.CHECKIN_WEEKS,
        zone=zone_or_practice(consultation.client_timezone),
        now=now,
        late_by=LATE_BY,
    )
    rows = [
        Notification(
            consultation=consultation,
            kind=checkin_kind(week),
            revision=consultation.sequence,
            due_at=due,
        )
        for week, due in plan
        if week not in answered
    ]
    for row in rows:
        # A row of this week from an earlier "starting" (then cancelled) is put back as due.
        updated = (
            Notification.objects.filter(
                consultation=consultation, kind=row.kind, revision=row.revision
            )
            .exclude(status=Notification.Status.SENT)
            .update(
                status=Notification.Status.PENDING, due_at=row.due_at, last_error="", attempts=0
            )
        )
        if not updated:
            Notification.objects.bulk_create([row], ignore_conflicts=True)
    due_now = list(
        Notification.objects.filter(
            consultation=consultation,
            status=Notification.Status.PENDING,
            due_at__lte=now,
        )
        .filter(stored_as(MessageKind.CHECKIN))
        .values_list("pk", flat=True)
    )
    enqueue_on_commit(due_now)


def _cancel_checkin_emails(consultation: Consultation) -> None:
    Notification.objects.filter(
        consultation=consultation, status=Notification.Status.PENDING
    ).filter(stored_as(MessageKind.CHECKIN)).update(status=Notification.Status.CANCELLED)


# --- Answering a check-in -------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInOutcome:
    checkin: CheckIn
    recorded: bool  # False: answered before (a second submission)
    ask_safety: bool  # symptoms are worse: ask the safety question again


def checkin_open(consultation: Consultation, week: int) -> Engagement | None:
    """The engagement whose check-in of this week may be answered, or None."""
    engagement = Engagement.objects.filter(consultation=consultation).first()
    if (
        engagement is None
        or not engagement.checkins_wanted
        or consultation.status != Consultation.Status.COMPLETED
        or week not in settings.CHECKIN_WEEKS
    ):
        return None
    return engagement


def checkin_record(
    *,
    consultation_id: int,
    week: int,
    symptoms: list[int | None],
    alliance: list[int],
    note: str,
    note_shared: bool,
    now: dt.datetime | None = None,
) -> CheckInOutcome:
    """Record a check-in once. A low one tells the clinician (portal and a content-free email);
    a worse symptom total asks for the safety question (`checkin_safety_record`)."""
    now = now or timezone.now()
    if len(alliance) != len(items.ALLIANCE_ITEMS) or len(symptoms) != len(items.SYMPTOM_ITEMS):
        raise ValueError("every item needs a place")
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
        engagement = checkin_open(consultation, week)
        if engagement is None:
            raise CheckInClosed
        earlier = engagement.checkins.filter(week=week).first()
        if earlier is not None:
            return CheckInOutcome(earlier, recorded=False, ask_safety=False)
        previous = engagement.checkins.filter(week__lt=week).order_by("-week").first()
        previous_alliance = (
            items.alliance_total(previous.answers["alliance"]) if previous is not None else None
        )
        total = items.symptom_total(symptoms)
        before = _last_symptom_total(engagement, week)
        checkin = CheckIn(
            engagement=engagement,
            week=week,
            answers={"symptoms": list(symptoms), "alliance": list(alliance)},
            note=note.strip(),
            note_shared=bool(note.strip()) and note_shared,
            low_alliance=items.low_alliance(
                alliance, previous_alliance, drop=settings.CHECKIN_ALLIANCE_DROP
            ),
            symptoms_worse=items.symptoms_worse(total, before, rise=settings.CHECKIN_SYMPTOM_RISE),
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                checkin.save(force_insert=True)
        except IntegrityError:
            return CheckInOutcome(
                CheckIn.objects.get(engagement=engagement, week=week),
                recorded=False,
                ask_safety=False,
            )
        # This week's email, if it hasn't gone yet, is no longer needed.
        Notification.objects.filter(
            consultation=consultation,
            kind=checkin_kind(week),
            status=Notification.Status.PENDING,
        ).update(status=Notification.Status.CANCELLED, last_error="The client has answered.")
        if checkin.low_alliance:
            _tell_clinician(consultation, week, now)
        checkin_recorded.send(sender=CheckIn, clinician_id=consultation.clinician_id)
    return CheckInOutcome(checkin, recorded=True, ask_safety=checkin.symptoms_worse)


def _last_symptom_total(engagement: Engagement, week: int) -> int | None:
    """The symptom total of the last check-in before this week that has one, else the
    baseline's."""
    for earlier in engagement.checkins.filter(week__lt=week).order_by("-week"):
        total = items.symptom_total(earlier.answers.get("symptoms") or [])
        if total is not None:
            return total
    return items.symptom_total(baseline_symptoms(engagement.baseline))


def baseline_symptoms(baseline: dict) -> list[int | None]:
    return [baseline.get(key) for key, _words in items.SYMPTOM_ITEMS]


def _tell_clinician(consultation: Consultation, week: int, now: dt.datetime) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                consultation=consultation,
                kind=alliance_low_kind(week),
                revision=consultation.sequence,
                due_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            consultation=consultation,
            kind=alliance_low_kind(week),
            status=Notification.Status.PENDING,
        ).values_list("pk", flat=True)
    )
    enqueue_on_commit(ids)


def checkin_safety_record(*, checkin_id: int, answer: str) -> CheckIn:
    """The client's answer to the safety question asked again; one that is not "not at all"
    goes to the same-day call queue (matching flags the client's intake). Asked once: a second
    answer changes nothing."""
    if answer not in SAFETY_ANSWERS:
        raise ValueError(answer)
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update()
            .select_related("engagement__consultation")
            .get(pk=checkin_id)
        )
        if not checkin.symptoms_worse or checkin.safety_answer:
            return checkin
        checkin.safety_answer = answer
        checkin.save(update_fields=["safety_answer"])
        reference = checkin.engagement.consultation.client_reference
        if answer != SAFETY_NOT_AT_ALL and reference is not None:
            checkin_safety_flagged.send(
                sender=CheckIn, client_reference=reference, week=checkin.week
            )
    return checkin


# --- The client's choices -------------------------------------------------------------------


def checkins_stop(*, consultation_id: int, now: dt.datetime | None = None) -> Engagement | None:
    """The client's one click: no more check-in emails about this therapy."""
    now = now or timezone.now()
    with transaction.atomic():
        engagement = (
            Engagement.objects.select_for_update().filter(consultation_id=consultation_id).first()
        )
        if engagement is None:
            return None
        if engagement.checkins_stopped_at is None:
            engagement.checkins_stopped_at = now
            engagement.save(update_fields=["checkins_stopped_at"])
        _cancel_checkin_emails(engagement.consultation)
    return engagement


def engagement_switch(*, consultation_id: int, now: dt.datetime | None = None) -> Engagement:
    """The client chose, after a check-in, to try their next match: no blame, one click. This
    clinician is left out of their matches from now on (`feedback.clinicians_not_a_fit`), the
    check-ins stop, and their matches are open to them again."""
    now = now or timezone.now()
    with transaction.atomic():
        engagement = Engagement.objects.select_for_update().get(consultation_id=consultation_id)
        if engagement.switched_at is None:
            engagement.switched_at = now
            engagement.save(update_fields=["switched_at"])
            _cancel_checkin_emails(engagement.consultation)
            reference = engagement.consultation.client_reference
            if reference is not None:
                therapy_switch_requested.send(sender=Engagement, client_reference=reference)
    return engagement


# --- The clinician's side -------------------------------------------------------------------


def checkin_mark_seen(*, clinician_id: int, checkin_id: int, now: dt.datetime) -> bool:
    """The clinician has looked at a low check-in. True if it was theirs and not yet seen."""
    return bool(
        CheckIn.objects.filter(
            pk=checkin_id,
            engagement__consultation__clinician_id=clinician_id,
            clinician_seen_at__isnull=True,
        ).update(clinician_seen_at=now)
    )


def checkins_erase(*, consultation_ids) -> None:
    """A client's data is going: their check-ins (answers and notes) and baseline with it. The
    clinician's email about a low check-in, if not sent yet, goes too: it says nothing, but
    sends them to a check-in that is no longer there."""
    CheckIn.objects.filter(engagement__consultation_id__in=consultation_ids).delete()
    Notification.objects.filter(
        consultation_id__in=consultation_ids, status=Notification.Status.PENDING
    ).filter(stored_as(MessageKind.CLINICIAN_CHECKIN_LOW)).update(
        status=Notification.Status.CANCELLED, last_error="The client's check-ins were erased."
    )
    Engagement.objects.filter(consultation_id__in=consultation_ids).update(baseline={})
    Engagement.objects.filter(
        consultation_id__in=consultation_ids, checkins_stopped_at__isnull=True
    ).update(checkins_stopped_at=timezone.now())


# --- Reads for the portal and the dashboard -------------------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    """One check-in as the clinician sees it: never the note unless the client allowed it."""

    checkin: CheckIn
    client_first_name: str
    symptom_total: int | None
    baseline_total: int | None
    alliance: list[tuple[str, int, str]]  # (words, answer, answer's words)
    low_items: list[str]
    note: str  # empty unless shared


def clinician_checkins(*, clinician_id: int, limit: int = 50) -> list[CheckInRow]:
    """This clinician's clients' check-ins, those not yet seen and low first, then newest.
    Two queries whatever the number (the check-ins with their consultation)."""
    rows = (
        CheckIn.objects.filter(engagement__consultation__clinician_id=clinician_id)
        .select_related("engagement__consultation")
        .order_by("clinician_seen_at", "-low_alliance", "-submitted_at")[:limit]
    )
    scale = dict(items.ALLIANCE_SCALE)
    out = []
    for checkin in rows:
        answers = checkin.answers or {}
        alliance = answers.get("alliance") or []
        paired = [
            (words, value, scale.get(value, ""))
            for (_key, words), value in zip(items.ALLIANCE_ITEMS, alliance, strict=False)
        ]
        engagement = checkin.engagement
        out.append(
            CheckInRow(
                checkin=checkin,
                client_first_name=engagement.consultation.client_first_name,
                symptom_total=items.symptom_total(answers.get("symptoms") or []),
                baseline_total=items.symptom_total(baseline_symptoms(engagement.baseline)),
                alliance=paired,
                low_items=[w for w, v, _s in paired if v <= items.ALLIANCE_LOW_ITEM],
                note=checkin.note if checkin.note_shared else "",
            )
        )
    return out


def clinician_switches(*, clinician_id: int, limit: int = 20) -> list[Engagement]:
    """Clients who chose, after a check-in, to continue with someone else (newest first)."""
    return list(
        Engagement.objects.filter(
            consultation__clinician_id=clinician_id, switched_at__isnull=False
        )
        .select_related("consultation")
        .order_by("-switched_at")[:limit]
    )


def engagement_figures(*, since: dt.datetime) -> dict[str, int]:
    """For the dashboard: check-ins answered since `since`, low ones, low ones the clinician
    hasn't seen, and switches since. (How many consultations became therapy is a step of the
    funnel, `selectors.dashboard_figures`.)"""
    checkin_counts = CheckIn.objects.filter(submitted_at__gte=since).aggregate(
        answered=Count("pk"),
        low=Count("pk", filter=Q(low_alliance=True)),
        low_unseen=Count("pk", filter=Q(low_alliance=True, clinician_seen_at__isnull=True)),
    )
    switched = Engagement.objects.filter(switched_at__gte=since).count()
    return {**checkin_counts, "switched": switched}


@dataclass(frozen=True)
class TherapyOutcome:
    clinician_id: int
    first_concern: str
    improvement: int  # symptom total before therapy minus at the latest check-in


def therapy_outcomes() -> list[TherapyOutcome]:
    """Each client in therapy with a full baseline, a first concern and at least one check-in
    with every symptom item answered: how much their PHQ-2 + GAD-2 total fell. Two queries
    (engagements, then their check-ins); a client who switched counts with the clinician they
    left, as their check-ins were about that therapy."""
    engagements = {
        e.pk: e
        for e in Engagement.objects.filter(started=True)
        .select_related("consultation")
        .only("pk", "baseline", "consultation__clinician_id")
    }
    latest: dict[int, int] = {}
    for engagement_id, answers in (
        CheckIn.objects.filter(engagement_id__in=list(engagements))
        .order_by("engagement_id", "week")
        .values_list("engagement_id", "answers")
    ):
        total = items.symptom_total((answers or {}).get("symptoms") or [])
        if total is not None:
            latest[engagement_id] = total
    out = []
    for engagement_id, after in latest.items():
        engagement = engagements[engagement_id]
        baseline = engagement.baseline or {}
        before = items.symptom_total(baseline_symptoms(baseline))
        concern = baseline.get("first_concern")
        if before is None or not concern:
            continue
        out.append(TherapyOutcome(engagement.consultation.clinician_id, concern, before - after))
    return out
