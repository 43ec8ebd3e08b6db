"""Booking a free consultation from the results page (the booking itself is consultations')."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
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

from . import vocab
from .models import Intake
from .tokens import intake_from_consultation_token, intake_from_token

OPTIONS_SHOWN = 6


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _style_text(style: dict) -> str:
    poles = {
        "lead": (_("I lead"), _("therapist leads")),
        "focus": (_("feelings"), _("practical steps")),
        "time": (_("understanding the past"), _("working on the present")),
        "challenge": (_("gentle support"), _("direct challenge")),
    }
    parts = []
    for key, (low, high) in poles.items():
        value = style.get(key)
        if isinstance(value, int) and value != 3:
            parts.append(str(low if value < 3 else high))
    return ", ".join(parts)


def client_summary(answers: dict) -> list[list[str]]:
    """What the clinician may see of the intake once the client books: [label, value] pairs.

    Not the safety answer, not contact details (those are on the booking itself)."""
    rows: list[list[str]] = []

    def add(label, value):
        if value:
            rows.append([str(label), str(value)])

    add(
        _("For whom"),
        _label(vocab.FOR_WHOM, answers.get("for_whom")) if answers.get("for_whom") else "",
    )
    add(
        _("Age"),
        _label(vocab.AGE_BANDS, answers.get("age_band")) if answers.get("age_band") else "",
    )
    add(_("Concerns (most important first)"), ", ".join(answers.get("concerns") or []))
    add(_("In their words"), answers.get("concerns_text"))
    tags = [str(vocab.GOAL_TAG_LABELS.get(t, t)) for t in answers.get("goal_tags") or []]
    add(_("Goals"), "; ".join(filter(None, [answers.get("goals") or "", ", ".join(tags)])))
    if isinstance(answers.get("style"), dict):
        add(_("How they'd like to work"), _style_text(answers["style"]))
    add(_("Approaches wanted"), ", ".join(answers.get("approaches_wanted") or []))
    add(_("Approaches to avoid"), ", ".join(answers.get("approaches_avoided") or []))
    prefs = []
    for key, pref in (answers.get("preferences") or {}).items():
        if isinstance(pref, dict) and pref.get("importance") in ("nice", "must"):
            importance = _label(vocab.IMPORTANCE, pref["importance"])
            value = pref.get("value")
            name = key.replace("_", " ")
            prefs.append(f"{name}{': ' + str(value) if value else ''} ({importance})")
    add(_("Preferences"), "; ".join(prefs))
    add(_("Past therapy"), answers.get("past_therapy"))
    return rows


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

    if request.method == "POST":
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
                client_summary=client_summary(answers),
                now=now,
            )
        except services.SlotUnavailable as exc:
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

    start = parse_start(request.GET.get("start"))
    options = selectors.clinician_open_slots(clinician_id=clinician.pk, now=now)
    if start is None or start not in options:
        message = (
            _("Choose a time to book.")
            if start is None
            else _("That time isn't open: it may be taken, too soon, or too far ahead.")
        )
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
