"""The access log of clients' answers: every view or export of them leaves a row."""

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterable

from .models import AnswerAccess


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def answers_access_record(
    *,
    intake_references: Iterable[uuid.UUID | str | None],
    user_id: int | None,
    username: str,
    where: str,
    address: str | None,
    now: dt.datetime,
) -> int:
    """One row per intake seen (one statement for them all); references that are None are
    consultations booked without an intake, which have no answers to log."""
    references = list(dict.fromkeys(ref for ref in intake_references if ref))
    AnswerAccess.objects.bulk_create(
        AnswerAccess(
            intake_reference=reference,
            user_id=user_id,
            username=username,
            where=where,
            address=_address(address),
            at=now,
        )
        for reference in references
    )
    return len(references)


def answers_access_for_intake(*, intake_reference, limit: int = 20) -> list[AnswerAccess]:
    return list(AnswerAccess.objects.filter(intake_reference=intake_reference)[:limit])


def answers_access_purge(*, before: dt.datetime, keep_references) -> int:
    """Delete rows older than `before` whose intake is not among `keep_references` (a queryset
    of the intakes still held)."""
    deleted, _per_model = (
        AnswerAccess.objects.filter(at__lt=before)
        .exclude(intake_reference__in=keep_references)
        .delete()
    )
    return deleted


def answers_seen(request, *, intake_references, where: str) -> int:
    """For views: record that the logged-in user is being shown these intakes' answers."""
    from django.utils import timezone

    from config.ratelimits import client_ip

    return answers_access_record(
        intake_references=intake_references,
        user_id=request.user.pk,
        username=request.user.get_username(),
        where=where,
        address=client_ip(request),
        now=timezone.now(),
    )
