"""The waiting list from the client's side: joining from the results page, leaving from the link
in their email, and booking (or turning down) a time held for them. The rules are
consultations' (`consultations/waitlist.py`); this app adds the ranking (whom they may wait
for, and how well each fits) and the intake summary a booking carries."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from clinicians.models import Clinician
from clinicians.zones import zone_or_practice
from config import ratelimits
from consultations import selectors as consultation_selectors
from consultations import services, tokens, waitlist
from consultations.feedback import clinicians_not_a_fit
from consultations.models import Consultation, WaitlistEntry

from .intake_schema import IntakeInvalid
from .models import Intake
from .scoring import Match, Ranking
from .selectors import (
    Results,
    current_matching_settings,
    intake_clinician_summary,
    intake_match_list,
    shown_clinicians,
)
from .tokens import intake_from_token
from .waitlist_forms import ANY, WaitlistJoinForm


@dataclass
class WaitOptions:
    """Whom a client may wait for: the best fits with no open time (each on its own), and their
    top matches, with or without a time (all of them at once)."""

    fits: list[Match]
    top: list[Match]


def wait_options(ranking: Ranking | Results, results_shown: int) -> WaitOptions:
    top = sorted(
        [*ranking.matches[:results_shown], *ranking.waitlist[:results_shown]],
        key=lambda m: -m.fit,
    )[:results_shown]
    return WaitOptions(fits=ranking.waitlist[:results_shown], top=top)


def join_form(options: WaitOptions, names: dict[int, Clinician], answers: dict, data=None):
    clinicians = [
        (
            names[m.clinician_id].slug,
            _("%(name)s (fit %(fit)s out of 100)")
            % {"name": names[m.clinician_id].full_name, "fit": m.fit},
        )
        for m in options.fits
        if m.clinician_id in names
    ]
    initial = {
        "times": [t for t in answers.get("times") or () if isinstance(t, str)],
        "weeks": 2,
        "choice": clinicians[0][0] if len(clinicians) == 1 else None,
    }
    return WaitlistJoinForm(data, clinicians=clinicians, initial=initial)


def place_context(entry: WaitlistEntry | None) -> dict | None:
    """The client's current place, for the results page and the join page."""
    if entry is None:
        return None
    names = [c.clinician.full_name for c in entry.choices.all()]
    return {
        "entry": entry,
        "names": names,
        "leave_url": reverse(
            "matching:waitlist_leave",
            args=[tokens.make_waitlist_token(entry, tokens.WAITLIST_LEAVE)],
        ),
    }


def hold_minutes() -> int:
    return consultation_selectors.current_booking_settings().waitlist_hold_minutes


def _expired(request):
    return render(request, "matching/results_expired.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.BOOKING, method="POST", block=True)
def join(request, token):
    """The waiting-list form (also shown on the results page) and what joining says."""
    now = timezone.now()
    intake = intake_from_token(token, now=now)
    if intake is None:
        return _expired(request)
    answers = intake.answers or {}
    settings_row = current_matching_settings()
    try:
        found = intake_match_list(
            answers=answers,
            now=now,
            exclude_clinician_ids=clinicians_not_a_fit(client_reference=intake.pk),
            matching_settings=settings_row,
        )
    except IntakeInvalid as exc:
        return render(
            request,
            "matching/results_problem.html",
            {"token": token, "fields": sorted(exc.errors)},
        )
    options = wait_options(found.ranking, settings_row.results_shown)
    names = {
        cid: shown.clinician
        for cid, shown in shown_clinicians(
            clinician_ids=[m.clinician_id for m in (*options.fits, *options.top)]
        ).items()
    }
    form = join_form(options, names, answers, request.POST if request.method == "POST" else None)
    context = {
        "token": token,
        "form": form,
        "results_url": reverse("matching:results", args=[token]),
        "hold_minutes": hold_minutes(),
        "place": place_context(consultation_selectors.waitlist_place(client_reference=intake.pk)),
    }
    if request.method != "POST":
        return render(request, "matching/waitlist_join.html", context)
    if not form.is_valid():
        return render(request, "matching/waitlist_join.html", context, status=400)
    data = form.cleaned_data
    if data["choice"] == ANY:
        chosen = options.top
    else:
        chosen = [
            m
            for m in options.fits
            if m.clinician_id in names and names[m.clinician_id].slug == data["choice"]
        ]
    format_answer = answers.get("format")
    try:
        entry = waitlist.waitlist_join(
            client_reference=intake.pk,
            fits=[(m.clinician_id, m.fit) for m in chosen],
            any_top_match=data["choice"] == ANY,
            times=data["times"],
            weeks=data["weeks"],
            first_name=answers.get("first_name") or "",
            email=answers.get("email") or "",
            phone=answers.get("phone") or "",
            timezone=zone_or_practice(answers.get("timezone")).key,
            format=format_answer
            if format_answer in Consultation.Format.values
            else Consultation.Format.VIDEO,
            language=translation.get_language(),
            now=now,
            # Never past the results link: the client's answers go with it.
            until=intake.expires_at,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return render(request, "matching/waitlist_join.html", context, status=400)
    except waitlist.AlreadyWaiting as exc:
        context["place"] = place_context(exc.entry)
        return render(request, "matching/waitlist_join.html", context, status=409)
    except services.ClientAlreadyBooked as exc:
        return render(
            request,
            "matching/waitlist_booked_already.html",
            {
                **context,
                "held": exc.consultation,
                "manage_url": tokens.manage_url(exc.consultation),
            },
            status=409,
        )
    return render(
        request,
        "matching/waitlist_joined.html",
        {**context, "place": place_context(entry)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, block=True)
def leave(request, wtoken):
    """Leave the waiting list, from the link in its emails (a button: mail scanners open links)."""
    entry = tokens.waitlist_entry_from_token(wtoken)
    if entry is None:
        return render(request, "matching/waitlist_link_invalid.html", status=404)
    left = False
    if request.method == "POST" and entry.status == WaitlistEntry.Status.WAITING:
        left = waitlist.waitlist_leave(entry_id=entry.pk)
        entry.refresh_from_db()
    return render(
        request,
        "matching/waitlist_leave.html",
        {"place": place_context(entry), "left": left},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.BOOKING, method="POST", block=True)
def offer(request, otoken):
    """A time held for the client: one button books it, another passes it on. Opening the link
    changes nothing (mail scanners open links too)."""
    found = tokens.waitlist_offer_from_token(otoken)
    if found is None:
        return render(request, "matching/waitlist_link_invalid.html", status=404)
    now = timezone.now()
    entry = found.entry
    context = {
        "offer": found,
        "clinician": found.clinician,
        "zone": zone_or_practice(entry.timezone).key,
        "place": place_context(entry),
        "held": found.status == found.Status.HELD and found.expires_at > now,
    }
    if request.method != "POST":
        return render(request, "matching/waitlist_offer.html", context)
    if request.POST.get("action") == "decline":
        waitlist.waitlist_offer_decline(offer_id=found.pk, now=now)
        found.refresh_from_db()
        return render(
            request, "matching/waitlist_offer.html", {**context, "offer": found, "held": False}
        )
    intake = Intake.objects.filter(pk=entry.client_reference).first()
    if intake is None:
        return render(request, "matching/waitlist_link_invalid.html", status=404)
    try:
        consultation = waitlist.waitlist_offer_accept(
            offer_id=found.pk,
            client_summary=intake_clinician_summary(answers=intake.answers or {}),
            now=now,
        )
    except (waitlist.HoldLapsed, services.SlotUnavailable):
        found.refresh_from_db()
        return render(
            request,
            "matching/waitlist_offer.html",
            {**context, "offer": found, "held": False, "lapsed": True},
            status=409,
        )
    except services.ClientAlreadyBooked as exc:
        return render(
            request,
            "matching/waitlist_booked_already.html",
            {
                **context,
                "held": exc.consultation,
                "manage_url": tokens.manage_url(exc.consultation),
            },
            status=409,
        )
    return render(
        request,
        "matching/waitlist_booked.html",
        {
            **context,
            "consultation": consultation,
            "manage_url": tokens.manage_url(consultation),
        },
    )
