"""Calendar invites for a consultation: minimal content, a stable UID, a rising SEQUENCE."""

import datetime as dt
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone as djtz
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from clinicians.zones import zone_or_practice

from .models import Consultation

CANCELLED = {
    Consultation.Status.CANCELLED,
    Consultation.Status.DECLINED,
    Consultation.Status.EXPIRED,
}


def consultation_uid(consultation: Consultation) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "alliance.example.org"
    return f"{consultation.public_id}@{domain}"


def _how_to_join(consultation: Consultation, *, for_clinician: bool) -> str:
    if consultation.format == Consultation.Format.VIDEO:
        link = consultation.clinician.video_url
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
    event.add("location", vText(how))
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
