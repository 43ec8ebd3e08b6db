"""What matching does when a client's therapy moves on (consultations' signals, received in
signals.py): keep the intake's baseline with the therapy, put a worrying check-in in the call
queue, and open the client's matches again when they choose to switch."""

import datetime as dt

from django.db import transaction

from consultations.checkin_items import SYMPTOM_ITEMS
from consultations.checkins import engagement_set_baseline

from .models import Intake
from .services import intake_flag_for_call
from .tokens import token_expiry


def therapy_baseline_keep(*, engagement_id: int, client_reference) -> None:
    """Copy the intake's PHQ-2 and GAD-2 answers and first concern onto the therapy, so later
    check-ins compare with them even once the intake itself is gone."""
    intake = Intake.objects.filter(pk=client_reference).first()
    if intake is None:
        return
    answers = intake.answers or {}
    baseline = {
        key: answers[key]
        for key, _words in SYMPTOM_ITEMS
        if isinstance(answers.get(key), int) and not isinstance(answers.get(key), bool)
    }
    concerns = answers.get("concerns") or []
    if concerns:
        baseline["first_concern"] = concerns[0]
    engagement_set_baseline(engagement_id=engagement_id, baseline=baseline)


def checkin_safety_flag(*, client_reference, week: int, now: dt.datetime) -> bool:
    """A check-in's re-asked safety question needs a same-day call: flag the client's intake
    for the call queue (and email the practice), unless a call is already waiting. Staff see
    where it came from in the note, never the answers. True if a new flag was raised."""
    with transaction.atomic():
        intake = Intake.objects.select_for_update().filter(pk=client_reference).first()
        if intake is None:
            return False
        line = f"Raised by the week {week} check-in ({now:%Y-%m-%d})."
        intake.follow_up_note = "\n".join(filter(None, [intake.follow_up_note, line]))
        raised = intake.follow_up not in Intake.FOLLOW_UP_OPEN
        if raised:
            intake_flag_for_call(intake, now=now)
        intake.save()
    return raised


def therapy_switch_reopen(*, client_reference, now: dt.datetime) -> None:
    """The client chose to try their next match: their intake's link works again for the usual
    time, so the next-match page can open it."""
    Intake.objects.filter(pk=client_reference, expires_at__lt=token_expiry(now)).update(
        expires_at=token_expiry(now)
    )
