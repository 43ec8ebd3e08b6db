"""The client's check-in, opened by the signed link in its email (tokens.CHECKIN), and the
one-click stop of check-in emails (tokens.CHECKIN_STOP). No account: the link is the key."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from clinicians.zones import zone_or_practice
from config import ratelimits

from . import checkin_items as items
from . import checkins, selectors
from .checkin_forms import CheckInForm, CheckInSafetyForm, EngagementForm
from .checkins import SAFETY_NOT_AT_ALL
from .models import Engagement
from .tokens import (
    CHECKIN_STOP,
    FIT_CHECK,
    checkin_from_token,
    consultation_from_token,
    make_token,
)
from .views import clinician_required


def _invalid(request):
    return render(request, "consultations/checkin_invalid.html", status=404)


def _closed(request, engagement: Engagement | None):
    """Check-ins about this therapy are over (stopped or switched): say so, ask nothing."""
    return render(
        request, "consultations/checkin_closed.html", {"engagement": engagement}, status=410
    )


def _opened(token: str):
    """(consultation, week, engagement or None, this week's check-in or None), or None."""
    found = checkin_from_token(token)
    if found is None:
        return None
    consultation, week = found
    engagement = Engagement.objects.filter(consultation=consultation).first()
    checkin = engagement.checkins.filter(week=week).first() if engagement else None
    return consultation, week, engagement, checkin


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def checkin(request, token):
    opened = _opened(token)
    if opened is None:
        return _invalid(request)
    consultation, week, engagement, answered = opened
    if answered is not None:
        return redirect("consultations:checkin_thanks", token=token)
    if checkins.checkin_open(consultation, week) is None:
        if engagement is not None and engagement.started and week in settings.CHECKIN_WEEKS:
            return _closed(request, engagement)
        return _invalid(request)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = checkins.checkin_record(
                consultation_id=consultation.pk,
                week=week,
                symptoms=form.symptoms,
                alliance=form.alliance,
                note=form.cleaned_data["note"],
                note_shared=form.cleaned_data["note_shared"],
            )
        except checkins.CheckInClosed:
            return _closed(request, engagement)
        if outcome.ask_safety:
            return redirect("consultations:checkin_safety", token=token)
        return redirect("consultations:checkin_thanks", token=token)
    return render(
        request,
        "consultations/checkin.html",
        {
            "form": form,
            "consultation": consultation,
            "week": week,
            "symptom_stem": items.SYMPTOM_STEM,
            "alliance_stem": items.ALLIANCE_STEM,
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def checkin_safety(request, token):
    """The safety question, asked again because symptoms were worse than before."""
    opened = _opened(token)
    if opened is None:
        return _invalid(request)
    consultation, _week, _engagement, answered = opened
    if answered is None:
        return redirect("consultations:checkin", token=token)
    if not answered.symptoms_worse or answered.safety_answer:
        return redirect("consultations:checkin_thanks", token=token)
    form = CheckInSafetyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        checkins.checkin_safety_record(checkin_id=answered.pk, answer=form.cleaned_data["safety"])
        return redirect("consultations:checkin_thanks", token=token)
    return render(
        request,
        "consultations/checkin_safety.html",
        {"form": form, "consultation": consultation},
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET"])
def checkin_thanks(request, token):
    opened = _opened(token)
    if opened is None:
        return _invalid(request)
    consultation, _week, engagement, answered = opened
    if answered is None:
        return redirect("consultations:checkin", token=token)
    context = {
        "consultation": consultation,
        "checkin": answered,
        "engagement": engagement,
        "needs_call": answered.safety_answer not in ("", SAFETY_NOT_AT_ALL),
        # The no-blame switch: offered after a low check-in, until taken.
        "offer_switch": answered.low_alliance and engagement.switched_at is None,
        "switch_url": reverse("consultations:checkin_switch", args=[token]),
        "stop_url": reverse(
            "consultations:checkin_stop", args=[make_token(consultation, CHECKIN_STOP)]
        ),
    }
    return render(request, "consultations/checkin_done.html", context)


@require_POST
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def checkin_switch(request, token):
    """One click: leave this clinician out and show the client their next match."""
    opened = _opened(token)
    if opened is None:
        return _invalid(request)
    consultation, _week, engagement, answered = opened
    if answered is None or engagement is None or not answered.low_alliance:
        return _invalid(request)
    checkins.engagement_switch(consultation_id=consultation.pk)
    return redirect("matching:next_match", consultation_token=make_token(consultation, FIT_CHECK))


@never_cache
@csrf_exempt  # RFC 8058 one-click: the mail client POSTs with no page and no cookie.
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def checkin_stop(request, token):
    """Stop check-in emails: the page has one button; a mail client's one-click POST (RFC 8058)
    needs none. A link is never enough on its own (scanners follow links)."""
    consultation = consultation_from_token(token, CHECKIN_STOP)
    if consultation is None:
        return _invalid(request)
    engagement = Engagement.objects.filter(consultation=consultation).first()
    if engagement is None or not engagement.started:
        return _invalid(request)
    stopped = engagement.checkins_stopped_at is not None
    if request.method == "POST" and not stopped:
        checkins.checkins_stop(consultation_id=consultation.pk, now=timezone.now())
        stopped = True
    return render(
        request,
        "consultations/checkin_stop.html",
        {"consultation": consultation, "stopped": stopped},
    )


# --- The clinician's side, in the portal ----------------------------------------------------


@require_POST
@clinician_required
def portal_engagement(request, clinician, public_id):
    """The clinician's "we're starting to work together" (with the first session's date), or
    not, after a completed consultation."""
    consultation = selectors.clinician_consultation(clinician_id=clinician.pk, public_id=public_id)
    if consultation is None:
        raise Http404
    local_date = consultation.starts_at.astimezone(zone_or_practice(clinician.timezone)).date()
    form = EngagementForm(request.POST, consultation_date=local_date)
    name = consultation.client_first_name
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{name}: {error}")
        return redirect("consultations:portal")
    started = form.cleaned_data["started"]
    try:
        checkins.engagement_record(
            consultation_id=consultation.pk,
            started=started,
            first_session_on=form.cleaned_data["first_session_on"] if started else None,
            user_id=request.user.pk,
        )
    except checkins.EngagementNotAllowed:
        messages.error(
            request,
            _("Mark the consultation with %(name)s completed first.") % {"name": name},
        )
        return redirect("consultations:portal")
    if started:
        messages.success(
            request,
            _("Recorded: you're starting to work with %(name)s. They'll get short check-ins.")
            % {"name": name},
        )
    else:
        messages.success(request, _("Recorded: %(name)s isn't continuing.") % {"name": name})
    return redirect("consultations:portal")


@require_POST
@clinician_required
def portal_checkin_seen(request, clinician, checkin_id):
    checkins.checkin_mark_seen(clinician_id=clinician.pk, checkin_id=checkin_id, now=timezone.now())
    return redirect(reverse("consultations:portal") + "#checkins-heading")
