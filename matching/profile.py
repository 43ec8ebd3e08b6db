"""What a clinician's public profile offers beyond the profile itself: their next open times and
where "Book a free consultation" leads. Clinicians sends `profile_shown`; this answers it, since
it needs consultations' open times and the visitor's own results (clinicians imports neither).

A visitor who opened their results in this browser (the results page keeps their link in the
server-side session, never in a cookie of its own) books straight from the profile when the
clinician is among their matches; everyone else starts the intake. Nothing of the visitor's
answers is shown: only times, in their own zone, and booking links."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from clinicians.signals import profile_shown
from clinicians.zones import practice_zone, zone_label, zone_or_practice
from consultations import feedback
from consultations import selectors as consultation_selectors

from .results_views import RESULTS_SESSION_KEY, SLOT_FORMAT, SLOTS_SHOWN, _slot, forget_results
from .selectors import intake_match_list
from .tokens import intake_from_token


@receiver(profile_shown, dispatch_uid="matching.profile.booking")
def profile_booking(sender, *, request, clinician, **kwargs) -> dict:
    now = timezone.now()
    token = request.session.get(RESULTS_SESSION_KEY)
    intake = intake_from_token(token, now=now) if token else None
    if token and intake is None:
        forget_results(request)
    if intake is not None:
        return _for_a_client_with_results(clinician, intake, token, now)
    zone = practice_zone()
    times = consultation_selectors.clinician_open_slots(
        clinician_id=clinician.pk, now=now, limit=SLOTS_SHOWN
    )
    return {
        "next_times": [
            {"label": date_format(t.astimezone(zone), gettext(SLOT_FORMAT)), "book_url": None}
            for t in times
        ],
        "times_zone": zone_label(zone),
        "book_url": reverse("matching:start"),
        "book_text": _("Book a free consultation"),
        "book_note": _(
            "A few questions first, about five minutes: then you see the therapists who fit you "
            "best, with their open times, and book the one you choose."
        ),
    }


def _for_a_client_with_results(clinician, intake, token: str, now) -> dict:
    answers = intake.answers or {}
    zone = zone_or_practice(answers.get("timezone"))
    results_url = reverse("matching:results", args=[token])
    found = intake_match_list(
        answers=answers,
        now=now,
        exclude_clinician_ids=feedback.clinicians_not_a_fit(client_reference=intake.pk),
        slots_wanted=SLOTS_SHOWN,
    )
    matched = any(m.clinician_id == clinician.pk for m in found.ranking.matches)
    if not matched:
        return {
            "next_times": [],
            "times_zone": zone_label(zone),
            "book_url": results_url,
            "book_text": _("Back to your matches"),
            "results_url": results_url,
            "not_among_matches": True,
        }
    book = reverse("matching:book", args=[token, clinician.slug])
    times = found.open_slots.get(clinician.pk, [])[:SLOTS_SHOWN]
    return {
        "next_times": [
            _slot(t.astimezone(zone), book=book, name=clinician.first_name) for t in times
        ],
        "times_zone": zone_label(zone),
        "book_url": book,
        "book_text": _("Book a free consultation"),
        "book_note": _("You have your matches: choose a time and book in one step."),
        "results_url": results_url,
    }
