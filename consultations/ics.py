"""Calendar invites for a consultation: minimal content, a stable UID, a rising SEQUENCE."""

import datetime as dt
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone as djtz
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from clinicians.zones import zone_or_practice

from .models import ERASED_NAME, Consultation

CANCELLED = {
    Consultation.Status.CANCELLED,
    Consultation.Status.DECLINED,
    Consultation.Status.EXPIRED,
}


def consultation_uid(consultation: Consultation) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "alliance.example.org"
    return f"{consultation.public_id}@{domain}"


def video_room(consultation: Consultation) -> str:
    """The clinician's video room, for a confirmed video consultation only: a request may be
    declined, so its client never gets the link."""
    if (
        consultation.format == Consultation.Format.VIDEO
        and consultation.status == Consultation.Status.CONFIRMED
    ):
        return consultation.clinician.video_room_url
    return ""


def _how_to_join(consultation: Consultation, *, for_clinician: bool) -> str:
    if consultation.format == Consultation.Format.VIDEO:
        link = video_room(consultation)
        return (
            _("Video: %(link)s") % {"link": link}
            if link
            else _("Video: the link will be sent before the consultation.")
        )
    if for_clinician:
        return _("Phone: call %(name)s at %(phone)s") % {
            "name": consultation.client_first_name,
            "phone": consultation.client_phone or _("the number in the portal"),
        }
    return _("Phone: %(clinician)s will call you.") % {"clinician": consultation.clinician}


def consultation_ics(consultation: Consultation, *, for_clinician: bool) -> bytes:
    """An iCalendar invite (or its cancellation) for the client or the clinician.

    Times are in the viewer's zone with a VTIMEZONE, so calendars show the right wall-clock
    time on both sides of a daylight-saving change. No intake answers ever go in here."""
    zone_name = consultation.clinician.timezone if for_clinician else consultation.client_timezone
    zone = zone_or_practice(zone_name)
    cancelled = consultation.status in CANCELLED

    cal = Calendar()
    cal.add("prodid", f"-//{settings.PRACTICE_NAME}//Consultations//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", consultation_uid(consultation))
    event.add("sequence", consultation.sequence)
    event.add("dtstamp", djtz.now().astimezone(dt.UTC))
    event.add("dtstart", consultation.starts_at.astimezone(zone))
    event.add("dtend", consultation.ends_at.astimezone(zone))
    if for_clinician:
        summary = _("Free consultation with %(name)s") % {"name": consultation.client_first_name}
    else:
        summary = _("Free consultation with %(clinician)s") % {"clinician": consultation.clinician}
    event.add("summary", summary)
    how = _how_to_join(consultation, for_clinician=for_clinician)
    event.add("description", how)
    link = video_room(consultation)
    # Calendar apps offer a "join" button for a web address in LOCATION (and URL).
    event.add("location", vText(link or how))
    if link:
        event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    # The practice organises; the one person this invite is for attends. Calendar apps apply
    # an update or a cancellation automatically only when both are named (RFC 5546).
    organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "hello@alliance.example.org"
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(settings.PRACTICE_NAME)
    event.add("organizer", organizer)
    if for_clinician:
        name, email = consultation.clinician.full_name, consultation.clinician.email
    else:
        name, email = consultation.client_first_name, consultation.client_email
    if email:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = "REQ-PARTICIPANT"
        # They asked for (or confirmed) this time already: nothing for their calendar to ask.
        attendee.params["partstat"] = "ACCEPTED"
        # Nobody reads replies: the manage link and the portal are where changes are made.
        attendee.params["rsvp"] = "FALSE"
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# The clinician's subscription feed (CalendarFeed): every request and consultation of theirs,
# re-read by their calendar app every few minutes to hours.

FEED_REFRESH = dt.timedelta(minutes=15)


def _client_name(consultation: Consultation) -> str:
    name = consultation.client_first_name
    return _("a client") if name in ("", ERASED_NAME) else name


def _feed_event(consultation: Consultation, zone, portal_url: str) -> Event:
    """One consultation as the clinician's calendar shows it: the client's first name and the
    format, how to join, and nothing else (never the phone number or anything the client told
    us: calendar providers keep copies)."""
    name = _client_name(consultation)
    fmt = consultation.get_format_display().lower()
    requested = consultation.status == Consultation.Status.REQUESTED
    if requested:
        summary = _("Request: %(name)s (%(format)s), not confirmed yet") % {
            "name": name,
            "format": fmt,
        }
        lines = [_("Waiting for you to confirm or decline in the portal: %(url)s")]
    else:
        summary = _("Free consultation: %(name)s (%(format)s)") % {"name": name, "format": fmt}
        lines = []
    link = video_room(consultation)
    if link:
        lines.append(_("Video room: %(link)s") % {"link": link})
    elif consultation.format == Consultation.Format.PHONE and not requested:
        lines.append(_("Phone: you call the client; the number is in the portal: %(url)s"))
    elif not requested:
        lines.append(_("Video: add your video room link in the portal: %(url)s"))
    changed = consultation.updated_at.astimezone(dt.UTC)
    event = Event()
    event.add("uid", consultation_uid(consultation))
    event.add("sequence", consultation.sequence)
    # The last change rather than the moment of reading: the feed reads the same until
    # something changes, so calendars can ask "anything new?" with its ETag.
    event.add("dtstamp", changed)
    event.add("created", consultation.created_at.astimezone(dt.UTC))
    event.add("last-modified", changed)
    event.add("dtstart", consultation.starts_at.astimezone(zone))
    event.add("dtend", consultation.ends_at.astimezone(zone))
    event.add("summary", summary)
    event.add("description", "\n".join(line % {"url": portal_url} for line in lines))
    if link:
        event.add("location", vText(link))
        event.add("url", link)
    event.add("status", "TENTATIVE" if requested else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("class", "PRIVATE")
    return event


def clinician_feed_ics(clinician, consultations, *, portal_url: str) -> bytes:
    """The clinician's calendar feed (METHOD:PUBLISH, no organizer or attendees, so calendar
    apps treat it as a calendar to show rather than invitations to answer). Cancelled,
    declined and expired ones are simply left out: subscribed calendars drop an event that is
    gone from the feed, whereas several show a STATUS:CANCELLED one as if it still happened."""
    zone = zone_or_practice(clinician.timezone)
    name = _("%(practice)s consultations") % {"practice": settings.PRACTICE_NAME}
    cal = Calendar()
    cal.add("prodid", f"-//{settings.PRACTICE_NAME}//Consultation feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    # How often to read it again (RFC 7986, and the older Outlook/Apple property).
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))
    for consultation in consultations:
        cal.add_component(_feed_event(consultation, zone, portal_url))
    cal.add_missing_timezones()
    return cal.to_ical()
