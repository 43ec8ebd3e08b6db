"""What each notification says: one table of kinds, with the recipient, the templates, the
subject, the calendar invite and when the message stops making sense.

`notifications` records and sends the rows; this module decides what a row means. Only the
minimum necessary goes into a message: never the client's concerns, goals or intake answers.
"""

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from email.mime.text import MIMEText
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from clinicians.branding import practice_brand
from clinicians.zones import zone_label, zone_or_practice

from .ics import consultation_ics, video_room
from .models import (
    ERASED_NAME,
    BookingSettings,
    Consultation,
    Notification,
    NotificationPreferences,
    WaitlistEntry,
    WaitlistOffer,
)
from .selectors import clinician_day_consultations
from .tokens import (
    checkin_unsubscribe_url,
    checkin_url,
    fit_check_url,
    manage_url,
    next_match_url,
    waitlist_leave_url,
    waitlist_offer_url,
)

CStatus = Consultation.Status
Status = Notification.Status

# Date formats are translated like words: Spanish reads "martes 3 de diciembre de 2024, 4:00 p.m."
SHORT_FORMAT = gettext_noop("D j M, g:i A")  # Tue 3 Dec, 4:00 PM
# Tuesday 3 December 2024, 4:00 PM, then the zone as people read it: Eastern Time (New York).
LONG_FORMAT = gettext_noop("l j F Y, g:i A")
DATE_FORMAT = gettext_noop("l j F Y")  # Tuesday 3 December 2024


class Kind(enum.StrEnum):
    """A kind of message. The value is what a `Notification` row stores, except for reminders,
    stored as `reminder_<minutes before>` (see `reminder_kind`)."""

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
    REMINDER = "reminder"
    FIT_CHECK = "fit_check"
    INTAKE_SAFETY = "intake_safety"
    # A same-day call not marked reached within its working hours: one reminder per flag.
    INTAKE_SAFETY_REMINDER = "intake_safety_reminder"
    # The private link to the client's matches, as soon as the intake is sent.
    INTAKE_RESULTS = "intake_results"
    # A check-in after therapy started, stored as `checkin_w<week>` (see `checkin_kind`).
    CHECKIN = "checkin"
    # To the clinician: a check-in came back low (no content), `alliance_low_w<week>`.
    CLINICIAN_CHECKIN_LOW = "alliance_low"
    # A request still unanswered: one reminder to the clinician before it expires, whatever
    # their email preferences.
    CLINICIAN_REQUEST_WAITING = "clinician_request_waiting"
    # A client joined the waiting list: what they wait for, until when, and how to leave.
    WAITLIST_JOINED = "waitlist_joined"
    # A time held for a client on the waiting list, with the link that books it.
    WAITLIST_OFFER = "waitlist_offer"
    # The clinician's daily summary of tomorrow's consultations, if they asked for one.
    CLINICIAN_DIGEST = "clinician_digest"
    # Staff approved, or returned with a comment, the profile changes a clinician proposed.
    PROFILE_APPROVED = "profile_approved"
    PROFILE_RETURNED = "profile_returned"

    @classmethod
    def of(cls, stored: str) -> "Kind":
        """The kind of a row's stored `kind` ("reminder_60" is a REMINDER)."""
        for prefix, kind in _PREFIXED.items():
            if stored.startswith(prefix):
                return kind
        return cls(stored)


_REMINDER_PREFIX = "reminder_"
_CHECKIN_PREFIX = "checkin_w"
_ALLIANCE_LOW_PREFIX = "alliance_low_w"
# Kinds stored with a number after their prefix.
_PREFIXED = {
    _REMINDER_PREFIX: Kind.REMINDER,
    _CHECKIN_PREFIX: Kind.CHECKIN,
    _ALLIANCE_LOW_PREFIX: Kind.CLINICIAN_CHECKIN_LOW,
}


def checkin_kind(week: int) -> str:
    """The stored kind of the check-in email for this week after the first session."""
    return f"{_CHECKIN_PREFIX}{week}"


def alliance_low_kind(week: int) -> str:
    """The stored kind of the clinician's email about a low check-in of this week."""
    return f"{_ALLIANCE_LOW_PREFIX}{week}"


def stored_week(stored: str) -> int:
    """The week of a check-in row's stored kind."""
    for prefix in (_CHECKIN_PREFIX, _ALLIANCE_LOW_PREFIX):
        if stored.startswith(prefix):
            return int(stored.removeprefix(prefix))
    raise ValueError(stored)


def reminder_kind(minutes: int) -> str:
    """The stored kind of the reminder sent this many minutes before the start."""
    return f"{_REMINDER_PREFIX}{minutes}"


def stored_as(kind: Kind) -> Q:
    """Rows of this kind (every reminder, whatever its minutes, for REMINDER)."""
    for prefix, prefixed in _PREFIXED.items():
        if kind is prefixed:
            return Q(kind__startswith=prefix)
    return Q(kind=kind.value)


def reminder_minutes(stored: str) -> int:
    return int(stored.removeprefix(_REMINDER_PREFIX))


class Recipient(enum.Enum):
    CLIENT = "client"
    CLINICIAN = "clinician"
    # The practice's intake address (PRACTICE_INTAKE_EMAIL).
    PRACTICE = "practice"
    # The person who sent an intake, at the address kept in the row's payload until sent.
    INTAKE_CLIENT = "intake_client"
    # The clinician a row names itself (`Notification.clinician`), about no consultation.
    CLINICIAN_ACCOUNT = "clinician_account"


class Invite(enum.Enum):
    """Whether the message carries a calendar invite (or its cancellation) for its recipient."""

    NONE = "none"
    ALWAYS = "always"
    # Only while the consultation is confirmed (a moved request is still unconfirmed).
    IF_CONFIRMED = "if_confirmed"
    # Only if it was ever confirmed: a calendar holds nothing of a mere request to cancel.
    IF_WAS_CONFIRMED = "if_was_confirmed"

    def attached(self, consultation: Consultation) -> bool:
        if self is Invite.IF_CONFIRMED:
            return consultation.status == CStatus.CONFIRMED
        if self is Invite.IF_WAS_CONFIRMED:
            return consultation.confirmed_at is not None
        return self is Invite.ALWAYS


@dataclass(frozen=True)
class Message:
    recipient: Recipient
    template: str  # emails/<template>.txt and .html
    subject: str  # may use %(when)s, the start in the recipient's zone
    invite: Invite = Invite.NONE
    # News about an upcoming time: pointless once that time has come (SKIPPED then).
    until_start: str = ""  # the reason recorded when skipped; empty: sent whenever due
    # Only while the consultation is in one of these statuses (CANCELLED otherwise).
    needs: tuple[str, ...] = ()
    needs_reason: str = ""
    # Context beyond what every message to this recipient has.
    more_context: Callable[[Notification], dict] | None = None
    # Why the row should no longer go out (None: send it), beyond the checks above.
    still_wanted: Callable[[Notification], str | None] | None = None
    # Headers beyond the Message-ID (the check-in's one-click unsubscribe).
    more_headers: Callable[[Notification], dict] | None = None
    # The clinician's email preference (a NotificationPreferences field) that can turn it off.
    preference: str = ""


def _next_match(notification: Notification) -> dict:
    consultation = notification.consultation
    return {
        "next_match_url": next_match_url(consultation),
        "decline_message": consultation.decline_message
        if notification.kind == Kind.CLIENT_DECLINED
        else "",
    }


def _fit_check_link(notification: Notification) -> dict:
    return {"fit_check_url": fit_check_url(notification.consultation)}


def _lead(notification: Notification) -> dict:
    minutes = reminder_minutes(notification.kind)
    if minutes % 60 == 0:
        hours = minutes // 60
        lead = ngettext("in %(n)s hour", "in %(n)s hours", hours) % {"n": hours}
    else:
        lead = ngettext("in %(n)s minute", "in %(n)s minutes", minutes) % {"n": minutes}
    return {"lead": lead}


def _request_expiry(notification: Notification) -> dict:
    consultation = notification.consultation
    expires_at = consultation.request_expires_at(BookingSettings.load().request_expiry_hours)
    return {"expires": _when(expires_at, consultation.clinician.timezone, LONG_FORMAT)}


def _digest_day(notification: Notification) -> dt.date:
    return dt.date.fromisoformat(notification.payload["date"])


def _digest(notification: Notification) -> dict:
    """Tomorrow's consultations and requests: first names, times and formats, nothing more."""
    clinician = notification.clinician
    zone = zone_or_practice(clinician.timezone)
    day = _digest_day(notification)
    items = [
        {
            "time": dateformat.format(c.starts_at.astimezone(zone), "g:i A"),
            "first_name": _("a client")
            if c.client_first_name in ("", ERASED_NAME)
            else c.client_first_name,
            "format": c.format,
            "waiting": c.status == CStatus.REQUESTED,
        }
        for c in clinician_day_consultations(clinician_id=clinician.pk, day=day, zone=zone)
    ]
    return {
        "day": dateformat.format(day, DATE_FORMAT),
        "items": items,
        "waiting_count": sum(item["waiting"] for item in items),
        "zone_label": zone_label(zone),
        "portal_url": settings.SITE_URL + reverse("consultations:portal"),
        "emails_url": settings.SITE_URL + reverse("consultations:portal_notifications"),
    }


def _digest_wanted(notification: Notification) -> str | None:
    if not NotificationPreferences.of(notification.clinician).digest:
        return "The clinician turned the daily summary off."
    clinician = notification.clinician
    zone = zone_or_practice(clinician.timezone)
    if not clinician_day_consultations(
        clinician_id=clinician.pk, day=_digest_day(notification), zone=zone
    ):
        return "Nothing is booked for that day."
    return None


def _call_queue_link(notification: Notification) -> dict:
    # A URL name, not an import: consultations never imports matching. The call queue's entry,
    # which practice staff can act on without the permission to see answers.
    path = reverse("admin:matching_samedaycall_change", args=[notification.intake_reference])
    return {
        "admin_url": settings.SITE_URL + path,
        "hours": settings.SAME_DAY_CALL_REMINDER_HOURS,
    }


def _results_link(notification: Notification) -> dict:
    payload = notification.payload
    expires_at = dt.datetime.fromisoformat(payload["expires_at"])
    return {
        "first_name": payload.get("first_name", ""),
        # The path carries the link's secret; matching builds it, so this app needn't know it.
        "results_url": settings.SITE_URL + payload["path"],
        "expires": _when(expires_at, payload.get("timezone", ""), DATE_FORMAT),
        "days": settings.INTAKE_TOKEN_DAYS,
    }


def _checkin_link(notification: Notification) -> dict:
    consultation = notification.consultation
    week = stored_week(notification.kind)
    return {
        "checkin_url": checkin_url(consultation, week),
        "unsubscribe_url": checkin_unsubscribe_url(consultation),
        "week": week,
        "days": settings.CHECKIN_TOKEN_DAYS,
    }


def _checkin_unsubscribe_headers(notification: Notification) -> dict:
    # RFC 8058: mail clients offer "unsubscribe" and POST to the link, with no page in between.
    url = checkin_unsubscribe_url(notification.consultation)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _checkins_wanted(notification: Notification) -> str | None:
    engagement = getattr(notification.consultation, "engagement", None)
    if engagement is None or not engagement.started:
        return "The client is not in therapy with this clinician."
    if engagement.checkins_stopped_at is not None:
        return "The client stopped check-in emails."
    if engagement.switched_at is not None:
        return "The client chose to try another clinician."
    if engagement.checkins.filter(week=stored_week(notification.kind)).exists():
        return "The client has already answered."
    return None


def _checkin_week(notification: Notification) -> dict:
    return {"week": stored_week(notification.kind)}


def _waitlist_place(notification: Notification) -> dict:
    payload = notification.payload
    entry = (
        WaitlistEntry.objects.prefetch_related("choices__clinician")
        .filter(public_id=payload.get("entry"))
        .first()
    )
    names = [choice.clinician.full_name for choice in entry.choices.order_by("-fit", "pk")]
    return {
        "first_name": entry.first_name,
        "any_top_match": entry.any_top_match,
        "clinician_names": names,
        "until": _when(entry.ends_at, entry.timezone, DATE_FORMAT),
        "leave_url": waitlist_leave_url(entry),
    }


def _waitlist_offer(notification: Notification) -> dict:
    payload = notification.payload
    offer = (
        WaitlistOffer.objects.select_related("entry", "clinician")
        .filter(public_id=payload.get("offer"))
        .first()
    )
    zone = offer.entry.timezone
    return {
        "first_name": offer.entry.first_name,
        "clinician_name": offer.clinician.full_name,
        "when": _when(offer.starts_at, zone, LONG_FORMAT),
        "held_until": dateformat.format(
            offer.expires_at.astimezone(zone_or_practice(zone)), gettext("g:i A")
        ),
        "hold_minutes": max(1, round((offer.expires_at - offer.created_at).total_seconds() / 60)),
        "offer_url": waitlist_offer_url(offer),
        "leave_url": waitlist_leave_url(offer.entry),
    }


def _waitlist_stale(notification: Notification, now: dt.datetime) -> str:
    """Why a waiting-list email should not go out any more ("" to send it): the place ended or
    the client deleted their data; an offer no longer held for them."""
    kind = Kind.of(notification.kind)
    if kind is Kind.WAITLIST_JOINED:
        waiting = WaitlistEntry.objects.filter(
            public_id=notification.payload.get("entry"), status=WaitlistEntry.Status.WAITING
        )
        return "" if waiting.exists() else "The client is no longer on the waiting list."
    if kind is Kind.WAITLIST_OFFER:
        held = WaitlistOffer.objects.filter(
            public_id=notification.payload.get("offer"),
            status=WaitlistOffer.Status.HELD,
            expires_at__gt=now,
        )
        return "" if held.exists() else "The time is no longer held for the client."
    return ""


def _profile_link(notification: Notification) -> dict:
    # Only the link: what was proposed and what staff said are read in the portal, behind login.
    return {"profile_url": settings.SITE_URL + reverse("consultations:portal_profile")}


# Reasons recorded on a row that was not sent (for staff, like delivery errors).
_NOT_CONFIRMED = "The consultation is no longer confirmed."
_TIME_PASSED = "The consultation time has passed."

MESSAGES: dict[Kind, Message] = {
    Kind.CLIENT_REQUEST_RECEIVED: Message(
        Recipient.CLIENT,
        "client_request_received",
        _("Your consultation request for %(when)s"),
        until_start=_TIME_PASSED,
    ),
    Kind.CLINICIAN_NEW_REQUEST: Message(
        Recipient.CLINICIAN,
        "clinician_new_request",
        _("New consultation request for %(when)s"),
        until_start=_TIME_PASSED,
        preference="new_requests",
    ),
    Kind.CLIENT_CONFIRMED: Message(
        Recipient.CLIENT,
        "client_confirmed",
        _("Your consultation on %(when)s is confirmed"),
        Invite.ALWAYS,
        until_start=_TIME_PASSED,
        needs=(CStatus.CONFIRMED,),
        needs_reason=_NOT_CONFIRMED,
    ),
    Kind.CLINICIAN_BOOKED: Message(
        Recipient.CLINICIAN,
        "clinician_booked",
        _("New consultation on %(when)s"),
        Invite.ALWAYS,
        until_start=_TIME_PASSED,
        needs=(CStatus.CONFIRMED,),
        needs_reason=_NOT_CONFIRMED,
        preference="new_requests",
    ),
    Kind.CLIENT_DECLINED: Message(
        Recipient.CLIENT,
        "client_declined",
        _("About your consultation request for %(when)s"),
        more_context=_next_match,
    ),
    Kind.CLIENT_EXPIRED: Message(
        Recipient.CLIENT,
        "client_expired",
        _("About your consultation request for %(when)s"),
        more_context=_next_match,
    ),
    Kind.CLIENT_CANCELLED: Message(
        Recipient.CLIENT,
        "client_cancelled",
        _("Your consultation on %(when)s is cancelled"),
        Invite.IF_WAS_CONFIRMED,
        more_context=_next_match,
    ),
    Kind.CLINICIAN_CANCELLED: Message(
        Recipient.CLINICIAN,
        "clinician_cancelled",
        _("Consultation on %(when)s cancelled"),
        Invite.IF_WAS_CONFIRMED,
        preference="cancellations",
    ),
    Kind.CLIENT_RESCHEDULED: Message(
        Recipient.CLIENT,
        "client_rescheduled",
        _("Your consultation is now on %(when)s"),
        Invite.IF_CONFIRMED,
    ),
    Kind.CLINICIAN_RESCHEDULED: Message(
        Recipient.CLINICIAN,
        "clinician_rescheduled",
        _("Consultation moved to %(when)s"),
        Invite.IF_CONFIRMED,
        preference="changes",
    ),
    Kind.REMINDER: Message(
        Recipient.CLIENT,
        "client_reminder",
        _("Reminder: your consultation on %(when)s"),
        until_start="The consultation had already started.",
        needs=(CStatus.CONFIRMED,),
        needs_reason=_NOT_CONFIRMED,
        more_context=_lead,
    ),
    Kind.FIT_CHECK: Message(
        Recipient.CLIENT,
        "client_fit_check",
        _("How did your consultation go?"),
        needs=(CStatus.CONFIRMED, CStatus.COMPLETED),
        needs_reason="The consultation did not take place.",
        more_context=_fit_check_link,
    ),
    Kind.INTAKE_SAFETY: Message(
        Recipient.PRACTICE,
        "practice_intake_safety",
        _("An intake needs a same-day call"),
        more_context=_call_queue_link,
    ),
    Kind.INTAKE_SAFETY_REMINDER: Message(
        Recipient.PRACTICE,
        "practice_intake_safety_reminder",
        _("Reminder: a same-day call is still waiting"),
        more_context=_call_queue_link,
    ),
    Kind.CLINICIAN_REQUEST_WAITING: Message(
        Recipient.CLINICIAN,
        "clinician_request_waiting",
        _("Still waiting for you: a consultation request for %(when)s"),
        until_start=_TIME_PASSED,
        needs=(CStatus.REQUESTED,),
        needs_reason="The request was answered, withdrawn or expired.",
        more_context=_request_expiry,
    ),
    Kind.CLINICIAN_DIGEST: Message(
        Recipient.CLINICIAN_ACCOUNT,
        "clinician_digest",
        _("Your consultations tomorrow"),
        more_context=_digest,
        still_wanted=_digest_wanted,
    ),
    Kind.INTAKE_RESULTS: Message(
        Recipient.INTAKE_CLIENT,
        "client_intake_results",
        # Neutral: a subject line can be read over someone's shoulder.
        _("Your private link"),
        more_context=_results_link,
    ),
    Kind.CHECKIN: Message(
        Recipient.CLIENT,
        "client_checkin",
        # Neutral, and no answer in it: a subject line can be read over someone's shoulder.
        _("A short check-in from your therapy practice"),
        needs=(CStatus.COMPLETED,),
        needs_reason="The consultation did not take place.",
        more_context=_checkin_link,
        still_wanted=_checkins_wanted,
        more_headers=_checkin_unsubscribe_headers,
    ),
    Kind.CLINICIAN_CHECKIN_LOW: Message(
        Recipient.CLINICIAN,
        "clinician_checkin_low",
        _("A check-in to look at in your portal"),
        more_context=_checkin_week,
    ),
    Kind.WAITLIST_JOINED: Message(
        Recipient.INTAKE_CLIENT,
        "client_waitlist_joined",
        _("You're on our waiting list"),
        more_context=_waitlist_place,
    ),
    Kind.WAITLIST_OFFER: Message(
        Recipient.INTAKE_CLIENT,
        "client_waitlist_offer",
        _("A consultation time is held for you"),
        more_context=_waitlist_offer,
    ),
    Kind.PROFILE_APPROVED: Message(
        Recipient.CLINICIAN_ACCOUNT,
        "clinician_profile_approved",
        _("Your profile changes are approved"),
        more_context=_profile_link,
    ),
    Kind.PROFILE_RETURNED: Message(
        Recipient.CLINICIAN_ACCOUNT,
        "clinician_profile_returned",
        _("Your profile changes need another look"),
        more_context=_profile_link,
    ),
}


def message_for(notification: Notification) -> Message:
    return MESSAGES[Kind.of(notification.kind)]


def sent_to(recipient: Recipient) -> Q:
    """Rows of the messages to this recipient, kinds stored with a number (a reminder's
    minutes, a check-in's week) included."""
    which = Q(pk__in=[])
    for kind, message in MESSAGES.items():
        if message.recipient is recipient:
            which |= stored_as(kind)
    return which


def recipient_address(notification: Notification) -> str:
    recipient = message_for(notification).recipient
    if recipient is Recipient.PRACTICE:
        return settings.PRACTICE_INTAKE_EMAIL
    if recipient is Recipient.INTAKE_CLIENT:
        return notification.payload.get("to", "")
    if recipient is Recipient.CLINICIAN_ACCOUNT:
        return notification.clinician.email if notification.clinician else ""
    consultation = notification.consultation
    if recipient is Recipient.CLINICIAN:
        return consultation.clinician.email
    return consultation.client_email


# Why a due row should no longer go out


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


def stale_verdict(notification: Notification, now: dt.datetime) -> Verdict | None:
    """Why a claimed row should not go out any more, or None to send it."""
    message = message_for(notification)
    consultation = notification.consultation
    if consultation is not None:
        if notification.revision != consultation.sequence:
            return Verdict(Status.CANCELLED, "The consultation changed since this was planned.")
        if message.needs and consultation.status not in message.needs:
            return Verdict(Status.CANCELLED, message.needs_reason)
        if message.until_start and now >= consultation.starts_at:
            return Verdict(Status.SKIPPED, message.until_start)
        if Kind.of(notification.kind) is Kind.REMINDER and now > reminder_deadline(notification):
            return Verdict(Status.SKIPPED, "Too late to remind: past the grace window.")
        if Kind.of(notification.kind) is Kind.CLINICIAN_REQUEST_WAITING and (
            now >= consultation.request_expires_at(BookingSettings.load().request_expiry_hours)
        ):
            return Verdict(Status.SKIPPED, "The request expired before the reminder went.")
        if message.preference and not getattr(
            NotificationPreferences.of(consultation.clinician), message.preference
        ):
            return Verdict(Status.CANCELLED, "The clinician turned these emails off.")
        # Loaded with the row (select_related): no query of its own.
        if Kind.of(notification.kind) is Kind.FIT_CHECK and hasattr(consultation, "fit_check"):
            return Verdict(Status.CANCELLED, "The client has already answered.")
        if message.still_wanted is not None and (why := message.still_wanted(notification)):
            return Verdict(Status.CANCELLED, why)
    elif notification.clinician_id is not None:
        if message.still_wanted is not None and (why := message.still_wanted(notification)):
            return Verdict(Status.CANCELLED, why)
    elif "expires_at" in notification.payload and now >= dt.datetime.fromisoformat(
        notification.payload["expires_at"]
    ):
        return Verdict(Status.SKIPPED, "The link in it has expired.")
    elif reason := _waitlist_stale(notification, now):
        return Verdict(Status.CANCELLED, reason)
    if not recipient_address(notification):
        return Verdict(Status.CANCELLED, "No address (the client's data was deleted).")
    return None


def reminder_deadline(notification: Notification) -> dt.datetime:
    """The last moment a reminder is worth sending: within the grace window after the moment it
    was planned for, and never once the consultation has started. Retries after mail-server
    trouble move the row's `due_at`, not this."""
    starts_at = notification.consultation.starts_at
    planned = starts_at - dt.timedelta(minutes=reminder_minutes(notification.kind))
    grace = dt.timedelta(minutes=settings.NOTIFICATION_GRACE_MINUTES)
    return min(planned + grace, starts_at)


# The email


def _when(value: dt.datetime, zone_name: str, fmt: str) -> str:
    zone = zone_or_practice(zone_name)
    when = dateformat.format(value.astimezone(zone), gettext(fmt))
    return f"{when} {zone_label(zone)}" if fmt == LONG_FORMAT else when


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _recipient_context(recipient: Recipient, notification: Notification) -> tuple:
    """(the recipient's zone, what every message to them says) for this notification."""
    consultation = notification.consultation
    if recipient in (Recipient.PRACTICE, Recipient.INTAKE_CLIENT):
        return None, {}
    if recipient is Recipient.CLINICIAN_ACCOUNT:
        clinician = notification.clinician
        return clinician.timezone, {"clinician_first_name": clinician.first_name}
    if recipient is Recipient.CLINICIAN:
        clinician = consultation.clinician
        zone = clinician.timezone
        # A client who deleted their data has no name left to give.
        erased = consultation.client_first_name in ("", ERASED_NAME)
        name = consultation.client_first_name
        return zone, {
            "clinician_first_name": clinician.first_name,
            "client_first_name": _("The client") if erased else name,
            "client_in_sentence": _("the client") if erased else name,
            "when": _when(consultation.starts_at, zone, LONG_FORMAT),
            "format": consultation.format,
            "portal_url": settings.SITE_URL + reverse("consultations:portal"),
            "needs_confirmation": consultation.status == CStatus.REQUESTED,
            "was_confirmed": consultation.confirmed_at is not None,
            # Said when it isn't English: the site (and every email) was in it for the client.
            "client_language": consultation.get_client_language_display()
            if consultation.client_language != settings.LANGUAGE_CODE
            else "",
        }
    zone = consultation.client_timezone
    return zone, {
        "first_name": consultation.client_first_name,
        "clinician_name": consultation.clinician.full_name,
        "when": _when(consultation.starts_at, zone, LONG_FORMAT),
        "format": consultation.format,
        # The join link only once the clinician has confirmed: a request may be declined.
        "video_link": video_room(consultation),
        "manage_url": manage_url(consultation),
        "needs_confirmation": consultation.status == CStatus.REQUESTED,
    }


# Who gets messages in the client's language; everyone else (clinicians, the practice) reads
# English.
CLIENT_RECIPIENTS = frozenset({Recipient.CLIENT, Recipient.INTAKE_CLIENT})


def message_language(notification: Notification) -> str:
    """The language a message is written in: a client's own (chosen with their intake, kept on
    their consultation, their place on the waiting list or in the row's payload), English for
    clinicians and the practice."""
    if message_for(notification).recipient not in CLIENT_RECIPIENTS:
        return settings.LANGUAGE_CODE
    language = (notification.payload or {}).get("language")
    if not language and notification.consultation is not None:
        language = notification.consultation.client_language
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def build_message(notification: Notification, *, connection=None) -> EmailMultiAlternatives:
    """The email for a notification, rendered from today's data (a reschedule shows the new
    time), in its recipient's language: words, dates and the links in it (a Spanish client's
    links open the /es/ pages), and the calendar invite too."""
    message = message_for(notification)
    consultation = notification.consultation
    with translation.override(message_language(notification)):
        zone, context = _recipient_context(message.recipient, notification)
        if message.more_context is not None:
            context.update(message.more_context(notification))
        when = _when(consultation.starts_at, zone, SHORT_FORMAT) if consultation else ""
        subject = str(message.subject) % {"when": when}
        brand = practice_brand()
        context.update(
            practice_name=brand.name,
            practice_phone=settings.PRACTICE_PHONE,
            # The look of every HTML email (templates/emails/base.html, docs/design.md).
            accent=brand.accent,
            accent_strong=brand.accent_strong,
            logo_url=settings.SITE_URL + brand.logo_url if brand.logo_url else "",
            logo_width=brand.logo_width // 2,
            logo_height=brand.logo_height // 2,
            subject=subject,
            LANGUAGE_CODE=translation.get_language(),
        )
        text = render_to_string(f"emails/{message.template}.txt", context)
        html = render_to_string(f"emails/{message.template}.html", context)
        invite = None
        if consultation is not None and message.invite.attached(consultation):
            for_clinician = message.recipient is Recipient.CLINICIAN
            invite = _ics_part(consultation, for_clinician=for_clinician)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient_address(notification)],
        connection=connection,
        # The same id on every attempt, so a rare duplicate folds into one in mail clients.
        headers={
            "Message-ID": f"<notification.{notification.pk}@{_site_domain()}>",
            **(message.more_headers(notification) if message.more_headers else {}),
        },
    )
    email.attach_alternative(html, "text/html")
    if invite is not None:
        email.attach(invite)
    return email


def _ics_part(consultation: Consultation, *, for_clinician: bool) -> MIMEText:
    content = consultation_ics(consultation, for_clinician=for_clinician)
    method = "CANCEL" if b"METHOD:CANCEL" in content else "REQUEST"
    part = MIMEText(content.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="consultation.ics")
    return part
