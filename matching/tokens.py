"""The secret in a client's results link: 256 random bits, stored only as a SHA-256 hash."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

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
