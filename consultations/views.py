import functools
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from clinicians import selectors as clinician_selectors
from clinicians.forms import ProfileProposalForm
from clinicians.models import Clinician, ProfileProposal
from clinicians.services import (
    ProposalRefused,
    clinician_set_accepting,
    profile_proposal_submit,
    profile_proposal_withdraw,
)
from clinicians.zones import zone_or_practice
from config import ratelimits

from . import checkins, ics, selectors, services, tokens
from .access_log import answers_seen
from .forms import DeclineForm, ExceptionFormSet, HoursFormSet, parse_start
from .models import AnswerAccess, Consultation, ConsultationEvent

Status = Consultation.Status
OPTIONS_SHOWN = 8


# --- Clinician portal ---------------------------------------------------------------------


def clinician_required(view):
    """Logged in, with a linked active clinician profile; anyone else gets a polite 403."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        clinician = Clinician.objects.filter(user=request.user, is_active=True).first()
        if clinician is None:
            return render(request, "consultations/portal_no_clinician.html", status=403)
        return view(request, clinician, *args, **kwargs)

    return wrapper


def _own(clinician: Clinician, public_id) -> Consultation:
    consultation = selectors.clinician_consultation(clinician_id=clinician.pk, public_id=public_id)
    if consultation is None:
        raise Http404
    return consultation


@clinician_required
def portal(request, clinician):
    lists = selectors.clinician_portal_lists(clinician_id=clinician.pk, now=timezone.now())
    # The page shows the intake summary of each request and upcoming consultation.
    answers_seen(
        request,
        intake_references=[
            c.client_reference for c in [*lists.requests, *lists.upcoming] if c.client_summary
        ],
        where=AnswerAccess.Where.PORTAL_SUMMARY,
    )
    # Their clients' check-ins (answers, and notes the client let them read): logged too.
    checkin_rows = checkins.clinician_checkins(clinician_id=clinician.pk)
    answers_seen(
        request,
        intake_references=[
            row.checkin.engagement.consultation.client_reference for row in checkin_rows
        ],
        where=AnswerAccess.Where.PORTAL_CHECKINS,
    )
    return render(
        request,
        "consultations/portal.html",
        {
            "clinician": clinician,
            "zone": clinician.timezone,
            "requests": lists.requests,
            "upcoming": lists.upcoming,
            "past": lists.past,
            "now": timezone.now(),
            "checkins": checkin_rows,
            "switches": checkins.clinician_switches(clinician_id=clinician.pk),
        },
    )


def _act(request, clinician, public_id, service, done_message, **kwargs):
    consultation = _own(clinician, public_id)
    try:
        service(
            consultation_id=consultation.pk,
            actor=ConsultationEvent.Actor.CLINICIAN,
            actor_user_id=request.user.pk,
            **kwargs,
        )
    except services.SlotUnavailable as exc:
        messages.error(request, str(exc))
    except services.AlreadyStarted:
        messages.error(
            request, _("This consultation's time has come, so it can't be confirmed now.")
        )
    except services.FitCheckAnswered:
        messages.error(
            request,
            _(
                "%(name)s has answered the follow-up questions about this consultation, so it "
                "can't be marked as a no-show."
            )
            % {"name": consultation.client_first_name},
        )
    except services.TransitionNotAllowed:
        messages.error(
            request,
            _("This consultation is %(status)s, so that can't be done now.")
            % {"status": consultation.get_status_display()},
        )
    else:
        messages.success(request, done_message % {"name": consultation.client_first_name})
    return redirect("consultations:portal")


@require_POST
@clinician_required
def portal_confirm(request, clinician, public_id):
    return _act(
        request,
        clinician,
        public_id,
        services.consultation_confirm,
        _("Confirmed. %(name)s will get an email."),
    )


@clinician_required
def portal_decline(request, clinician, public_id):
    consultation = _own(clinician, public_id)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _act(
            request,
            clinician,
            public_id,
            services.consultation_decline,
            _("Declined. %(name)s will be offered other times and matches."),
            message=form.cleaned_data["message"],
        )
    return render(
        request,
        "consultations/portal_decline.html",
        {"consultation": consultation, "form": form, "zone": clinician.timezone},
    )


@require_POST
@clinician_required
def portal_complete(request, clinician, public_id):
    return _act(
        request,
        clinician,
        public_id,
        services.consultation_complete,
        _("Marked as completed. %(name)s will be asked how it went."),
    )


@require_POST
@clinician_required
def portal_no_show(request, clinician, public_id):
    return _act(
        request, clinician, public_id, services.consultation_mark_no_show, _("Marked as no-show.")
    )


@require_POST
@clinician_required
def portal_accepting(request, clinician):
    accepting = request.POST.get("accepting") == "1"
    clinician_set_accepting(clinician_ids=[clinician.pk], accepting=accepting)
    messages.success(
        request,
        _("You are accepting new clients again.")
        if accepting
        else _("Paused: clients can't book new consultations with you until you resume."),
    )
    return redirect("consultations:portal")


@clinician_required
def portal_availability(request, clinician):
    today = timezone.now().astimezone(ZoneInfo(clinician.timezone)).date()
    exceptions = clinician.availability_exceptions.filter(date__gte=today)
    data = request.POST if request.method == "POST" else None
    hours_set = HoursFormSet(data, instance=clinician, prefix="hours")
    exceptions_set = ExceptionFormSet(
        data, instance=clinician, prefix="exceptions", queryset=exceptions
    )
    if request.method == "POST":
        if hours_set.is_valid() and exceptions_set.is_valid():
            with transaction.atomic():
                hours_set.save()
                exceptions_set.save()
            messages.success(request, _("Your consultation hours are saved."))
            return redirect("consultations:portal_availability")
        messages.error(request, _("Please correct the highlighted times below."))
    return render(
        request,
        "consultations/portal_availability.html",
        {"clinician": clinician, "hours_set": hours_set, "exceptions_set": exceptions_set},
    )


@clinician_required
def portal_profile(request, clinician):
    """The clinician's own profile, edited as a proposal that waits for staff's approval."""
    current = clinician_selectors.clinician_profile_values(clinician)
    pending = clinician_selectors.profile_proposal_pending(clinician_id=clinician.pk)
    proposed = {**current, **(pending.changes if pending else {})}
    chosen = {
        name: sorted({*current.get(name, ()), *proposed.get(name, ())})
        for name in ProfileProposalForm.TERM_MODELS
    }
    form_kwargs = {"chosen": chosen, "has_photo": bool(current["photo"] or _new_photo(pending))}
    if request.method == "POST":
        form = ProfileProposalForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            try:
                proposal = profile_proposal_submit(
                    clinician_id=clinician.pk,
                    author_id=request.user.pk,
                    values=form.values(),
                    photo=form.cleaned_data.get("photo"),
                    remove_photo=form.cleaned_data.get("remove_photo", False),
                )
            except ProposalRefused as exc:
                for name, message in exc.problems.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                if proposal is None:
                    messages.info(
                        request,
                        _(
                            "Nothing differs from your approved profile, so nothing is waiting "
                            "for review."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Sent for review. Clients keep seeing your approved profile until "
                            "the practice approves the changes; you will get an email."
                        ),
                    )
                return redirect("consultations:portal_profile")
    else:
        initial = {**proposed, "remove_photo": pending is not None and _removes_photo(pending)}
        for name in ProfileProposalForm.TERM_MODELS:
            initial[name] = proposed.get(name) or []
        form = ProfileProposalForm(initial=initial, **form_kwargs)
    history = clinician_selectors.profile_proposal_history(clinician_id=clinician.pk)
    return render(
        request,
        "consultations/portal_profile.html",
        {
            "clinician": clinician,
            "form": form,
            "pending": pending,
            "pending_rows": clinician_selectors.profile_proposal_diff(pending, current=current)
            if pending
            else [],
            "decided": [
                (proposal, clinician_selectors.profile_proposal_diff(proposal))
                for proposal in history
                if not proposal.is_pending
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


def _new_photo(proposal: ProfileProposal | None) -> bool:
    return proposal is not None and proposal.changes.get("photo") == "new"


def _removes_photo(proposal: ProfileProposal) -> bool:
    return proposal.changes.get("photo") == "remove"


@require_POST
@clinician_required
def portal_profile_withdraw(request, clinician, proposal_id):
    # Someone else's proposal is not found, exactly like one that does not exist.
    if not ProfileProposal.objects.filter(pk=proposal_id, clinician=clinician).exists():
        raise Http404
    try:
        profile_proposal_withdraw(proposal_id=proposal_id, clinician_id=clinician.pk)
    except ProposalRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Withdrawn. Your approved profile stays as it is."))
    return redirect("consultations:portal_profile")


# --- The client's manage link -------------------------------------------------------------


def with_consultation(view):
    """Opens the consultation from a manage token; a bad or expired link is a friendly 404."""

    @functools.wraps(view)
    def wrapper(request, token, *args, **kwargs):
        consultation = tokens.consultation_from_token(token, tokens.MANAGE)
        if consultation is None:
            raise Http404
        return view(request, consultation, token, *args, **kwargs)

    return wrapper


def _changeable(consultation: Consultation) -> bool:
    """Whether the client may still cancel or move it: active, and its time not yet come."""
    return consultation.is_active and consultation.starts_at > timezone.now()


def _manage_context(consultation: Consultation, token: str, **extra) -> dict:
    return {
        "consultation": consultation,
        "clinician": consultation.clinician,
        "token": token,
        "zone": zone_or_practice(consultation.client_timezone).key,
        "next_match_url": tokens.next_match_url(consultation),
        "can_change": _changeable(consultation),
        "has_invite": consultation.status == Status.CONFIRMED,
        **extra,
    }


def _too_late(request) -> None:
    messages.error(
        request,
        _("Your consultation's time has come, so it can't be cancelled or moved any more."),
    )


@ratelimit(
    key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, method=ratelimit.ALL
)
@with_consultation
def manage(request, consultation, token):
    return render(request, "consultations/manage.html", _manage_context(consultation, token))


@ratelimit(
    key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, method=ratelimit.ALL
)
@with_consultation
def manage_cancel(request, consultation, token):
    if not consultation.is_active:
        return redirect("consultations:manage", token=token)
    if not _changeable(consultation):
        _too_late(request)
        return redirect("consultations:manage", token=token)
    # GET only asks: link scanners follow links, and must not cancel anything.
    if request.method == "POST":
        try:
            services.consultation_cancel(consultation_id=consultation.pk)
        except services.AlreadyStarted:
            _too_late(request)
        except services.TransitionNotAllowed:
            # A concurrent change (say, the same cancel submitted twice) got there first.
            consultation.refresh_from_db(fields=["status"])
            if consultation.status == Status.CANCELLED:
                messages.success(request, _("Your consultation is cancelled."))
        else:
            messages.success(request, _("Your consultation is cancelled."))
        return redirect("consultations:manage", token=token)
    return render(request, "consultations/manage_cancel.html", _manage_context(consultation, token))


@ratelimit(
    key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, method=ratelimit.ALL
)
@with_consultation
def manage_reschedule(request, consultation, token):
    if not consultation.is_active:
        return redirect("consultations:manage", token=token)
    if not _changeable(consultation):
        _too_late(request)
        return redirect("consultations:manage", token=token)
    now = timezone.now()
    error = ""
    status = 200
    if request.method == "POST":
        new_start = parse_start(request.POST.get("start"))
        if new_start is None:
            error = _("Choose one of the open times below.")
            status = 400
        elif new_start == consultation.starts_at:
            return redirect("consultations:manage", token=token)
        elif not selectors.in_booking_window(new_start, now=now):
            # Past, too soon, beyond the horizon, or at the calendar's very ends.
            error = _("That time isn't open: it may be taken, too soon, or too far ahead.")
            status = 400
        else:
            try:
                services.consultation_reschedule(
                    consultation_id=consultation.pk, new_start=new_start, now=now
                )
            except services.SlotUnavailable as exc:
                error = _(
                    "That time is no longer open (%(reason)s). Here are the next open times."
                ) % {"reason": str(exc)}
                status = 409
            except services.AlreadyStarted:
                _too_late(request)
                return redirect("consultations:manage", token=token)
            except services.TransitionNotAllowed:
                return redirect("consultations:manage", token=token)
            else:
                messages.success(request, _("Your consultation has moved to the new time."))
                return redirect("consultations:manage", token=token)
    # Other times only: the current one is already theirs (one more asked for, in case).
    options = [
        start
        for start in selectors.clinician_open_slots(
            clinician_id=consultation.clinician_id,
            now=now,
            limit=OPTIONS_SHOWN + 1,
            ignore_consultation_id=consultation.pk,
            include_paused=True,
        )
        if start != consultation.starts_at
    ][:OPTIONS_SHOWN]
    return render(
        request,
        "consultations/manage_reschedule.html",
        _manage_context(consultation, token, options=options, error=error),
        status=status,
    )


@ratelimit(
    key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, method=ratelimit.ALL
)
@with_consultation
def manage_delete(request, consultation, token):
    if request.method == "POST":
        if consultation.client_reference:
            services.consultation_erase_client(client_reference=consultation.client_reference)
        else:
            services.consultation_erase(consultation_id=consultation.pk)
        return render(request, "consultations/manage_deleted.html")
    return render(request, "consultations/manage_delete.html", _manage_context(consultation, token))


@ratelimit(
    key="ip", rate=ratelimits.MANAGE_LINK, group=ratelimits.MANAGE_LINK_GROUP, method=ratelimit.ALL
)
@with_consultation
def manage_ics(request, consultation, token):
    # Only a confirmed time belongs in a calendar: a request may still be declined.
    if consultation.status != Status.CONFIRMED:
        raise Http404
    response = HttpResponse(
        ics.consultation_ics(consultation, for_clinician=False),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="consultation.ics"'
    return response
