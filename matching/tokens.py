"""The secret in a client's results link: 256 random bits, stored only as a SHA-256 hash."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from consultations.tokens import FIT_CHECK, consultation_from_token

from .models import Intake


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh (raw, hash) pair; the raw secret goes into the link and nowhere else."""
    raw = secrets.token_urlsafe(32)
    return raw, token_hash(raw)


def token_expiry(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=settings.INTAKE_TOKEN_DAYS)


def intake_from_token(raw: str, *, now: dt.datetime | None = None) -> Intake | None:
    """The intake this link opens, or None when the link is unknown, malformed or expired."""
    if not raw or len(raw) > 100:
        return None
    intake = Intake.objects.filter(token_hash=token_hash(raw)).first()
    if intake is None or intake.expires_at <= (now or timezone.now()):
        return None
    return intake


def intake_from_consultation_token(token: str, *, now: dt.datetime | None = None) -> Intake | None:
    """The intake a consultation's fit-check link leads to, or None when the link is bad,
    expired or revoked, or the intake is gone or expired.

    Only the hash of the results link is kept, so emails sent about a consultation (fit check,
    declined, expired) carry the consultation's signed link instead."""
    consultation = consultation_from_token(token, FIT_CHECK)
    if consultation is None or consultation.client_reference is None:
        return None
    return Intake.objects.filter(
        pk=consultation.client_reference, expires_at__gt=now or timezone.now()
    ).first()
