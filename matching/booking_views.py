"""Booking a free consultation from the results page (the booking itself is consultations')."""

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from clinicians.models import Clinician
from clinicians.zones import zone_or_practice
from config import ratelimits
from consultations import selectors, services, tokens
from consultations.feedback import clinicians_not_a_fit
from consultations.forms import BookingForm, parse_start
from consultations.models import Consultation

from .models import Intake
from .selectors import intake_clinician_summary
from .tokens import intake_from_consultation_token, intake_from_token

OPTIONS_SHOWN = 6


def _open_clinician(slug: str, intake: Intake) -> Clinician:
    clinician = get_object_or_404(Clinician, slug=slug, is_active=True)
    # The client said, after a consultation, that this one wasn't the right fit.
    if clinician.pk in clinicians_not_a_fit(client_reference=intake.pk):
        raise Http404
    return clinician


@never_cache
@ratelimit(key="ip", rate=ratelimits.BOOKING, method="POST", block=True)
def book(request, token, slug):
    """Booking from the results page, opened by the intake's link."""
    intake = intake_from_token(token)
    if intake is None:
        raise Http404
    links = {
        "results_url": reverse("matching:results", args=[token]),
        "book_url": reverse("matching:book", args=[token, slug]),
    }
    return _book(request, intake=intake, slug=slug, links=links)


@never_cache
@ratelimit(key="ip", rate=ratelimits.BOOKING, method="POST", block=True)
def next_book(request, consultation_token, slug):
    """Booking the next match, opened by the link in a fit-check or declined/expired email.

    Only the hash of the results link is kept, so these emails carry the consultation's signed
    link instead; it leads to the same intake."""
    intake = intake_from_consultation_token(consultation_token)
    if intake is None:
        raise Http404
    links = {
        "results_url": reverse("matching:next_match", args=[consultation_token]),
        "book_url": reverse("matching:next_book", args=[consultation_token, slug]),
    }
    return _book(request, intake=intake, slug=slug, links=links)


def _already_booked(request, context: dict, held: Consultation, *, status: int):
    """One request or upcoming consultation at a time: say so, and offer to move or cancel it."""
    token = tokens.make_token(held, tokens.MANAGE)
    return render(
        request,
        "matching/book_held.html",
        {
            **context,
            "held": held,
            "manage_url": reverse("consultations:manage", args=[token]),
            "reschedule_url": reverse("consultations:manage_reschedule", args=[token]),
            "cancel_url": reverse("consultations:manage_cancel", args=[token]),
        },
        status=status,
    )


def _held_message(until, zone: str) -> str:
    """A time held for someone on the waiting list: say so, and until when."""
    local = until.astimezone(zone_or_practice(zone))
    return _(
        "That time is held for someone on the waiting list until %(until)s. Here are the next "
        "open times."
    ) % {"until": date_format(local, _("g:i A"))}


def _outside_window(value: str | None, now) -> bool:
    """A start time that reads as one but lies outside the booking window (past, too soon,
    beyond the horizon, or at the calendar's very ends): never open, so a 400."""
    start = parse_start(value)
    return start is not None and not selectors.in_booking_window(start, now=now)


def _book(request, *, intake: Intake, slug: str, links: dict):
    clinician = _open_clinician(slug, intake)
    answers = intake.answers or {}
    zone = zone_or_practice(answers.get("timezone")).key
    now = timezone.now()
    context = {"clinician": clinician, "zone": zone, "intake": intake, **links}

    def refuse(message: str, options: list, status: int):
        return render(
            request,
            "matching/book_unavailable.html",
            {**context, "message": message, "options": options},
            status=status,
        )

    not_open = _("That time isn't open: it may be taken, too soon, or too far ahead.")
    if request.method == "POST":
        if _outside_window(request.POST.get("start"), now):
            options = selectors.clinician_open_slots(
                clinician_id=clinician.pk, now=now, limit=OPTIONS_SHOWN
            )
            return refuse(not_open, options, 400)
        form = BookingForm(request.POST)
        if not form.is_valid():
            start = parse_start(request.POST.get("start"))
            if start is None:
                options = selectors.clinician_open_slots(
                    clinician_id=clinician.pk, now=now, limit=OPTIONS_SHOWN
                )
                return refuse(_("Choose one of the open times."), options, 400)
            return render(
                request, "matching/book.html", {**context, "form": form, "start": start}, status=400
            )
        data = form.cleaned_data
        try:
            consultation = services.consultation_book(
                clinician_id=clinician.pk,
                starts_at=data["start"],
                format=data["format"],
                first_name=data["first_name"],
                email=data["email"],
                phone=data["phone"],
                timezone=zone,
                client_reference=intake.id,
                client_summary=intake_clinician_summary(answers=answers),
                # The language the client books in: their emails and invites are in it.
                language=translation.get_language(),
                now=now,
            )
        except services.ClientAlreadyBooked as exc:
            return _already_booked(request, context, exc.consultation, status=409)
        except services.SlotUnavailable as exc:
            if exc.held_until is not None:
                return refuse(_held_message(exc.held_until, zone), exc.next_options, 409)
            return refuse(
                _("That time was just taken. Here are the next open times.")
                if exc.just_taken
                else _("That time isn't open any more. Here are the next open times."),
                exc.next_options,
                409,
            )
        return render(
            request,
            "matching/book_done.html",
            {
                **context,
                "consultation": consultation,
                "manage_url": tokens.manage_url(consultation),
            },
        )

    held = selectors.client_upcoming_consultation(client_reference=intake.id, now=now)
    if held is not None:
        return _already_booked(request, context, held, status=200)
    start = parse_start(request.GET.get("start"))
    options = selectors.clinician_open_slots(clinician_id=clinician.pk, now=now)
    if _outside_window(request.GET.get("start"), now):
        return refuse(not_open, options[:OPTIONS_SHOWN], 400)
    if start is None or start not in options:
        message = _("Choose a time to book.") if start is None else not_open
        held = start is not None and selectors.held_until(
            clinician_id=clinician.pk,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=1),
            now=now,
        )
        if held:
            message = _held_message(held, zone)
        nearest = selectors.slots_after(options, start or now, OPTIONS_SHOWN)
        return refuse(message, nearest, 200)
    format_answer = answers.get("format")
    form = BookingForm(
        initial={
            "first_name": answers.get("first_name", ""),
            "email": answers.get("email", ""),
            "phone": answers.get("phone", ""),
            "format": format_answer
            if format_answer in Consultation.Format.values
            else Consultation.Format.VIDEO,
            "start": start.isoformat(),
        }
    )
    return render(request, "matching/book.html", {**context, "form": form, "start": start})
