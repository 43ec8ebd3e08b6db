"""Client links for a consultation: signed (HMAC-SHA256), carrying the consultation's public id
and token version, and expiring. Raising `token_version` revokes every link sent before."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Consultation

MANAGE = "manage"
FIT_CHECK = "fit-check"
_SALT = "consultations.client-link"


def make_token(consultation: Consultation, purpose: str) -> str:
    payload = {"c": str(consultation.public_id), "v": consultation.token_version, "p": purpose}
    return signing.dumps(payload, salt=_SALT, compress=False)


def consultation_from_token(token: str, purpose: str) -> Consultation | None:
    """The consultation a link opens, or None when tampered, expired, revoked or for another use."""
    if not token or len(token) > 300:
        return None
    max_age = settings.MANAGE_TOKEN_DAYS * 24 * 3600
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        return None
    consultation = (
        Consultation.objects.select_related("clinician").filter(public_id=payload.get("c")).first()
        if _is_uuid(payload.get("c"))
        else None
    )
    if consultation is None or consultation.token_version != payload.get("v"):
        return None
    return consultation


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def manage_url(consultation: Consultation) -> str:
    """Absolute link to the client's manage page, for emails."""
    path = reverse("consultations:manage", args=[make_token(consultation, MANAGE)])
    return settings.SITE_URL + path


def fit_check_url(consultation: Consultation) -> str:
    path = reverse("consultations:fit_check", args=[make_token(consultation, FIT_CHECK)])
    return settings.SITE_URL + path


def next_match_url(consultation: Consultation) -> str:
    """Where a client whose consultation didn't lead anywhere finds their next-best match."""
    path = reverse("matching:next_match", args=[make_token(consultation, FIT_CHECK)])
    return settings.SITE_URL + path


# Check-in links: one per check-in (its week in the payload), working CHECKIN_TOKEN_DAYS from
# the email that carries it; the unsubscribe link works as long as a manage link.
CHECKIN = "check-in"
CHECKIN_STOP = "check-in-stop"


def make_checkin_token(consultation: Consultation, week: int) -> str:
    payload = {
        "c": str(consultation.public_id),
        "v": consultation.token_version,
        "p": CHECKIN,
        "w": week,
    }
    return signing.dumps(payload, salt=_SALT, compress=False)


def checkin_from_token(token: str) -> tuple[Consultation, int] | None:
    """(the consultation, the week) a check-in link opens, or None when tampered, expired,
    revoked or made for another use."""
    if not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.CHECKIN_TOKEN_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != CHECKIN:
        return None
    week = payload.get("w")
    if not isinstance(week, int) or isinstance(week, bool) or week < 1:
        return None
    consultation = (
        Consultation.objects.select_related("clinician").filter(public_id=payload.get("c")).first()
        if _is_uuid(payload.get("c"))
        else None
    )
    if consultation is None or consultation.token_version != payload.get("v"):
        return None
    return consultation, week


def checkin_url(consultation: Consultation, week: int) -> str:
    path = reverse("consultations:checkin", args=[make_checkin_token(consultation, week)])
    return settings.SITE_URL + path


def checkin_unsubscribe_url(consultation: Consultation) -> str:
    path = reverse("consultations:checkin_stop", args=[make_token(consultation, CHECKIN_STOP)])
    return settings.SITE_URL + path


# A clinician's calendar feed link: 256 random bits, stored only as a hash (CalendarFeed), so a
# database dump or an admin page never gives the link away.
FEED_TOKEN_BYTES = 32
_FEED_TOKEN_MAX_LENGTH = 100


def new_feed_token() -> tuple[str, str]:
    """(the secret for the link, the hash to store)."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    return token, feed_token_hash(token)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_plausible(token: str) -> bool:
    # Anything else can't be a link we made: no lookup, the same 404.
    return bool(token) and len(token) <= _FEED_TOKEN_MAX_LENGTH


def feed_url(token: str) -> str:
    """The absolute subscription address for a feed's secret."""
    return settings.SITE_URL + reverse("consultations:calendar_feed", args=[token])


# The waiting list's links: "leave the list" (opens the client's place while it lasts) and an
# offer's "book this time" (opens one held time). Signed like the links above, carrying the
# place's public id and token version: leaving revokes both.
WAITLIST_LEAVE = "waitlist-leave"
WAITLIST_OFFER = "waitlist-offer"
_WAITLIST_SALT = "consultations.waitlist-link"
# A place lasts at most 4 weeks; an offer at most its hold (the link opens it a day at most).
_WAITLIST_MAX_AGE = {WAITLIST_LEAVE: 35 * 24 * 3600, WAITLIST_OFFER: 24 * 3600}


def make_waitlist_token(entry, purpose: str, offer=None) -> str:
    payload = {"w": str(entry.public_id), "v": entry.token_version, "p": purpose}
    if offer is not None:
        payload["o"] = str(offer.public_id)
    return signing.dumps(payload, salt=_WAITLIST_SALT, compress=False)


def _waitlist_payload(token: str, purpose: str) -> dict | None:
    if not token or len(token) > 400:
        return None
    try:
        payload = signing.loads(token, salt=_WAITLIST_SALT, max_age=_WAITLIST_MAX_AGE[purpose])
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        return None
    if not _is_uuid(payload.get("w")):
        return None
    return payload


def waitlist_entry_from_token(token: str):
    """The place on the waiting list a "leave" link opens, or None (tampered, expired, revoked)."""
    from .models import WaitlistEntry

    payload = _waitlist_payload(token, WAITLIST_LEAVE)
    if payload is None:
        return None
    entry = WaitlistEntry.objects.filter(public_id=payload["w"]).first()
    if entry is None or entry.token_version != payload.get("v"):
        return None
    return entry


def waitlist_offer_from_token(token: str):
    """The offer a "book this time" link opens, or None (tampered, expired, revoked)."""
    from .models import WaitlistOffer

    payload = _waitlist_payload(token, WAITLIST_OFFER)
    if payload is None or not _is_uuid(payload.get("o")):
        return None
    offer = (
        WaitlistOffer.objects.select_related("entry", "clinician")
        .filter(public_id=payload["o"], entry__public_id=payload["w"])
        .first()
    )
    if offer is None or offer.entry.token_version != payload.get("v"):
        return None
    return offer


def waitlist_leave_url(entry) -> str:
    path = reverse("matching:waitlist_leave", args=[make_waitlist_token(entry, WAITLIST_LEAVE)])
    return settings.SITE_URL + path


def waitlist_offer_url(offer) -> str:
    token = make_waitlist_token(offer.entry, WAITLIST_OFFER, offer)
    return settings.SITE_URL + reverse("matching:waitlist_offer", args=[token])
