"""The client's ranked matches, opened by the intake's token (or, for the next-best match, by
the fit-check link of a consultation that wasn't the right fit)."""

import datetime as dt

from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinicians.zones import zone_label, zone_or_practice
from consultations import feedback, tokens
from consultations import selectors as consultation_selectors

from . import waitlist_views
from .intake_schema import IntakeInvalid
from .models import Intake
from .selectors import current_matching_settings, intake_results, shown_clinicians
from .tokens import intake_from_consultation_token, intake_from_token

SLOTS_SHOWN = 3
# Reasons a card shows at once; the rest wait behind "More about this fit".
REASONS_SHOWN = 3
# How a consultation time reads on a button ("Tue 3 Mar, 9:00 AM"), in the client's zone.
SLOT_FORMAT = gettext_noop("D j M, g:i A")  # translated like words
# The intake step and field where each relaxable answer can be changed (matching/forms.py).
RELAXATION_STEPS = {
    "gender": ("therapist", "gender"),
    "language": ("therapist", "language"),
    "community": ("therapist", "community"),
    "lgbtq_affirming": ("therapist", "lgbtq_affirming_importance"),
    "faith_informed": ("therapist", "faith_informed_importance"),
    "format": ("practical", "format"),
    "office": ("practical", "offices"),
    "payment": ("practical", "insurance"),
}


# The session key under which the results page keeps this browser's results link (the session
# is stored on the server; its cookie holds only the session's id).
RESULTS_SESSION_KEY = "intake_results_token"


def remember_results(request, token: str) -> None:
    """This browser has these results: a clinician's profile offers to book in one step."""
    if request.session.get(RESULTS_SESSION_KEY) != token:
        request.session[RESULTS_SESSION_KEY] = token


def forget_results(request, token: str | None = None) -> None:
    if token is None or request.session.get(RESULTS_SESSION_KEY) == token:
        request.session.pop(RESULTS_SESSION_KEY, None)


@never_cache
@require_GET
def results(request, token):
    now = timezone.now()
    intake = intake_from_token(token, now=now)
    if intake is None:
        return _link_expired(request)
    excluded = feedback.clinicians_not_a_fit(client_reference=intake.pk)
    # A profile opened from here then offers booking in one step (matching/profile.py).
    remember_results(request, token)
    return _render_results(request, intake, token=token, excluded=excluded, now=now)


@never_cache
@require_GET
def next_match(request, consultation_token):
    now = timezone.now()
    intake = intake_from_consultation_token(consultation_token, now=now)
    if intake is None:
        return _link_expired(request)
    # Only a fit check's "not a fit" leaves a clinician out: a cancelled, declined or expired
    # request changes nothing in the ranking.
    excluded = feedback.clinicians_not_a_fit(client_reference=intake.pk)
    consultation = tokens.consultation_from_token(consultation_token, tokens.FIT_CHECK)
    # The intake's own link is stored only as a hash, so booking and changing an answer from
    # here go through the consultation's signed link (matching:next_book, matching:next_edit).
    return _render_results(
        request,
        intake,
        token=None,
        excluded=excluded,
        now=now,
        consultation_token=consultation_token,
        consultation=consultation,
    )


def _link_expired(request):
    return render(request, "matching/results_expired.html", status=404)


def _render_results(
    request,
    intake: Intake,
    *,
    token: str | None,
    excluded: set[int],
    now,
    consultation_token: str | None = None,
    consultation=None,
):
    answers = intake.answers
    settings_row = current_matching_settings()
    show_all = request.GET.get("show") == "all"
    try:
        found = intake_results(
            intake_id=intake.pk,
            answers=answers,
            now=now,
            exclude_clinician_ids=excluded,
            matching_settings=settings_row,
            shown=None if show_all else settings_row.results_shown,
            slots_wanted=SLOTS_SHOWN,
        )
    except IntakeInvalid as exc:
        return render(
            request,
            "matching/results_problem.html",
            {"token": token, "fields": sorted(exc.errors)},
            status=200,
        )
    shown = found.matches
    zone = zone_or_practice(answers.get("timezone"))

    wait = waitlist_views.wait_options(found, settings_row.results_shown) if token else None
    clinicians = shown_clinicians(
        clinician_ids=[m.clinician_id for m in shown]
        + ([m.clinician_id for m in wait.fits] if wait else [])
    )
    cards = []
    for m in shown:
        shown_one = clinicians.get(m.clinician_id)
        if shown_one is None:
            continue
        clinician = shown_one.clinician
        book = _book_url(token, consultation_token, clinician.slug)
        positives = [r for r in m.reasons if r.positive]
        cards.append(
            {
                "match": m,
                "clinician": clinician,
                **shown_one.names,
                "components": _components(m),
                "positives": positives,
                "negatives": [r for r in m.reasons if not r.positive],
                "top_reasons": positives[:REASONS_SHOWN],
                "more_reasons": positives[REASONS_SHOWN:],
                "cost": cost_for_client(
                    answers.get("payment") or {},
                    plans=shown_one.names.get("insurance", []),
                    fee=clinician.self_pay_fee,
                    sliding_scale_min=clinician.sliding_scale_min,
                ),
                "slots": [
                    _slot(s.astimezone(zone), book=book, name=clinician.first_name)
                    for s in found.open_slots.get(m.clinician_id, [])[:SLOTS_SHOWN]
                ],
            }
        )
    relaxations = [
        {
            "relaxation": r,
            "text": _relaxation_text(r),
            "edit_url": _edit_url(token, consultation_token, r.preference),
        }
        for r in found.relaxations
    ]
    few = found.total < settings_row.relaxation_threshold
    context = {
        "token": token,
        "cards": cards,
        "total": found.total,
        "hidden": found.total - len(shown),
        "show_all": show_all,
        "relaxations": relaxations,
        "few": few,
        "zone_name": zone_label(zone),
        "is_next_match": token is None,
        "consultation": consultation,
        # The one this consultation was with, when the client said it wasn't the right fit.
        "left_out_this_one": consultation is not None and consultation.clinician_id in excluded,
        "left_out": len(excluded),
        "can_book": bool(token or consultation_token),
        "page_url": request.path,
        # Opened by the intake's own link: that link went to the client's email at once.
        "link_emailed_to": answers.get("email") if token else "",
        "link_expires": date_format(intake.expires_at.astimezone(zone), gettext("l j F Y")),
        "waitlist": _waitlist(wait, clinicians, intake, token),
    }
    return render(request, "matching/results.html", context)


def _waitlist(wait, clinicians: dict, intake: Intake, token: str | None) -> dict | None:
    """The waiting-list section (matching/_waitlist.html): opened by the intake's own link only,
    as joining needs it."""
    if wait is None or not (wait.fits or wait.top):
        return None
    names = {cid: shown.clinician for cid, shown in clinicians.items()}
    return {
        "fits": [
            {"match": m, "clinician": names[m.clinician_id]}
            for m in wait.fits
            if m.clinician_id in names
        ],
        "form": waitlist_views.join_form(wait, names, intake.answers or {}),
        "place": waitlist_views.place_context(
            consultation_selectors.waitlist_place(client_reference=intake.pk)
        ),
        "join_url": reverse("matching:waitlist_join", args=[token]),
        "hold_minutes": waitlist_views.hold_minutes(),
    }


def _slot(local: dt.datetime, *, book: str | None, name: str) -> dict:
    label = date_format(local, gettext(SLOT_FORMAT))
    iso = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "local": local,
        "label": label,
        "book_url": f"{book}?start={iso}" if book else None,
        "book_text": _interpolated(
            _('Book %(when)s<span class="visually-hidden"> with %(name)s</span>'),
            when=label,
            name=name,
        ),
    }


def _book_url(token: str | None, consultation_token: str | None, slug: str) -> str | None:
    """The booking page for this clinician; each time adds its ?start=."""
    if token:
        return reverse("matching:book", args=[token, slug])
    if consultation_token:
        return reverse("matching:next_book", args=[consultation_token, slug])
    return None


def _edit_url(token: str | None, consultation_token: str | None, preference: str) -> str | None:
    """The intake step holding this answer, opened to change it and come back here."""
    step, field = RELAXATION_STEPS.get(preference, ("practical", ""))
    # The step's page opens at the question (the fragment survives the edit link's redirect).
    at = f"#div_id_{field}" if field else ""
    if token:
        return reverse("matching:edit", args=[token, step]) + at
    if consultation_token:
        return reverse("matching:next_edit", args=[consultation_token, step]) + at
    return None


def _relaxation_text(r) -> str:
    n = r.would_add
    if r.preference == "format":
        if r.value == "either":
            text = ngettext(
                "%(n)d more therapist if video or phone works for you",
                "%(n)d more therapists if video or phone works for you",
                n,
            )
        elif r.value == "phone":
            text = ngettext(
                "%(n)d more therapist if phone works for you",
                "%(n)d more therapists if phone works for you",
                n,
            )
        else:
            text = ngettext(
                "%(n)d more therapist if video works for you",
                "%(n)d more therapists if video works for you",
                n,
            )
        return text % {"n": n}
    if r.preference == "office":
        text = ngettext(
            "%(n)d more therapist if another office works for you",
            "%(n)d more therapists if another office works for you",
            n,
        )
        return text % {"n": n}
    if r.preference == "payment":
        text = ngettext(
            "%(n)d more therapist if you can pay another way",
            "%(n)d more therapists if you can pay another way",
            n,
        )
        return text % {"n": n}
    labels = {
        "gender": _("the therapist's gender"),
        "language": _("the language"),
        "community": _("a shared background"),
        "lgbtq_affirming": _("being LGBTQ+-affirming"),
        "faith_informed": _("faith-informed therapy"),
    }
    text = ngettext(
        "%(n)d more therapist if %(what)s is nice to have rather than a must",
        "%(n)d more therapists if %(what)s is nice to have rather than a must",
        n,
    )
    return text % {"n": n, "what": labels.get(r.preference, r.preference)}


def cost_for_client(
    payment: dict, *, plans: list[str], fee: int | None, sliding_scale_min: int | None
) -> dict:
    """What a session would cost this client, in words: their plan if the clinician takes it,
    otherwise the self-pay fee and sliding scale, set against the budget they gave.

    {"text": the line shown, "fits": True when it is within what they told us (their plan
    taken, or the fee or sliding scale within their budget), False when it isn't, None when
    they told us nothing to compare with}."""
    plan = payment.get("insurance") or ""
    budget = payment.get("self_pay_budget")
    if plan and plan.casefold() in {name.casefold() for name in plans}:
        return {
            "text": _("Takes your insurance (%(plan)s): you pay your plan's usual share.")
            % {"plan": plan},
            "fits": True,
        }
    parts = []
    if plan:
        parts.append(_("Doesn't take %(plan)s.") % {"plan": plan})
    elif plans:
        parts.append(_("Insurance taken: %(plans)s.") % {"plans": ", ".join(plans)})
    if fee is None:
        parts.append(_("Ask about the fee in your free consultation."))
        return {"text": " ".join(parts), "fits": None}
    if sliding_scale_min is not None and sliding_scale_min < fee:
        parts.append(
            _("$%(fee)s a session, or from $%(low)s on a sliding scale.")
            % {"fee": fee, "low": sliding_scale_min}
        )
    else:
        parts.append(_("$%(fee)s a session.") % {"fee": fee})
    fits = None
    if budget is not None:
        lowest = sliding_scale_min if sliding_scale_min is not None else fee
        if fee <= budget:
            parts.append(_("Within your budget of $%(budget)s.") % {"budget": budget})
            fits = True
        elif lowest <= budget:
            parts.append(
                _("The sliding scale can fit your budget of $%(budget)s.") % {"budget": budget}
            )
            fits = True
        else:
            parts.append(_("Above your budget of $%(budget)s.") % {"budget": budget})
            fits = False
    elif plan:
        fits = False
    return {"text": " ".join(parts), "fits": fits}


def _components(m) -> list[dict]:
    c = m.components
    rows = (
        ("goals", _("What you want to work on"), c.goals, _("your concerns and goals")),
        ("tasks", _("How you'd like to work"), c.tasks, _("style and approaches")),
        (
            "bond",
            _("Feeling understood"),
            c.bond,
            _("what matters to you about the therapist, and how heard their clients feel"),
        ),
        ("practical", _("Times and practicalities"), c.practical, _("open times and how soon")),
    )
    out = []
    for key, label, value, hint in rows:
        percent = floatformat(value, 0)
        out.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "hint": hint,
                "percent": percent,
                "text": _interpolated(_("%(value)s of 100"), value=percent),
            }
        )
    return out


def _interpolated(translated: str, **values) -> str:
    """What `{% blocktranslate with … %}` renders, worked out once in Python for strings
    repeated in the page's loops: the values escaped, the translated text kept as markup."""
    return mark_safe(translated % {k: conditional_escape(v) for k, v in values.items()})  # noqa: S308
