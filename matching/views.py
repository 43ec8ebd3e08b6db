"""The intake journey. The draft lives in the server-side session, one entry per step, so back,
forward and reload keep the answers without JavaScript; nothing of it is ever logged."""

import contextlib
import uuid

from django.contrib import messages
from django.forms import MultipleChoiceField
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from config import ratelimits

from .forms import FORMER_STEPS, STEP_FORMS, STEPS, answers_from_forms, answers_summary
from .results_views import forget_results
from .services import (
    IntakeAlreadySubmitted,
    intake_delete,
    intake_submit,
    intake_update,
)
from .tokens import intake_from_consultation_token, intake_from_token, new_token
from .vocab import SAFETY_NOT_AT_ALL

DRAFT = "intake_draft"
# The results path of the intake this browser sent last, so "back" after sending lands somewhere
# clear instead of an empty form.
SENT = "intake_sent"
SLUGS = [form.slug for form in STEP_FORMS]
# The screens a person goes through before the results: the steps, then the review.
SCREEN_COUNT = len(SLUGS) + 1
# An unsent draft (and the results link it holds) is forgotten after this long unused, rather
# than after the site's two-week session age; the daily clear_expired_sessions task deletes it.
DRAFT_SESSION_SECONDS = 2 * 24 * 60 * 60


def _new_draft() -> dict:
    raw, _hash = new_token()
    # Fixed when the draft starts, so a repeated submission maps onto the same intake and link.
    return {"reference": str(uuid.uuid4()), "token": raw, "steps": {}, "reviewed": False}


def _draft(request, *, create: bool) -> dict | None:
    draft = request.session.get(DRAFT)
    if draft is None and create:
        draft = _new_draft()
        _save_draft(request, draft)
    return draft


def _save_draft(request, draft: dict) -> None:
    if DRAFT not in request.session and not request.user.is_authenticated:
        # A signed-in staff member's session keeps its own age.
        request.session.set_expiry(DRAFT_SESSION_SECONDS)
    request.session[DRAFT] = draft
    request.session.modified = True


def _form_data(form, post) -> dict:
    """What the person entered in this step's fields (nothing else from the POST)."""
    data = {}
    for name, field in form.fields.items():
        multiple = isinstance(field, MultipleChoiceField)
        data[name] = post.getlist(name) if multiple else post.get(name, "")
    return data


def _first_incomplete(draft: dict) -> str | None:
    for slug in SLUGS:
        if not draft["steps"].get(slug, {}).get("complete"):
            return slug
    return None


def _bound_forms(draft: dict) -> tuple[dict, str | None]:
    """Every step's form bound to its saved data, and the first step that no longer validates
    (a vocabulary name staff removed, say)."""
    forms = {}
    for form_class in STEP_FORMS:
        form = form_class(data=draft["steps"].get(form_class.slug, {}).get("data", {}))
        if not form.is_valid():
            return forms, form_class.slug
        forms[form_class.slug] = form
    return forms, None


def _results_path(token: str) -> str:
    return reverse("matching:results", args=[token])


def _edited_intake(draft: dict):
    """The intake an editing draft changes, opened again by the link it came from: the
    results link, or a consultation's link (the next-matches page)."""
    if draft.get("consultation_token"):
        return intake_from_consultation_token(draft["consultation_token"])
    return intake_from_token(draft["token"])


def _back_to_results(draft: dict) -> str:
    """The results page the client came from to change an answer."""
    if draft.get("consultation_token"):
        return reverse("matching:next_match", args=[draft["consultation_token"]])
    return _results_path(draft["token"])


def _sent_page(request):
    return render(request, "matching/intake_sent.html", {"results_url": request.session[SENT]})


def _link_invalid(request):
    return render(request, "matching/intake_link_invalid.html", status=404)


def _step_context(form, slug: str, draft: dict) -> dict:
    index = SLUGS.index(slug)
    safety = draft["steps"].get("safety", {}).get("data", {}).get("safety")
    return {
        "form": form,
        "slug": slug,
        "step_number": index + 1,
        "step_count": SCREEN_COUNT,
        "progress_percent": round(100 * index / SCREEN_COUNT),
        "is_first": index == 0,
        "is_last": index == len(SLUGS) - 1,
        # The crisis resources come first on the page right after a worrying safety answer.
        "show_crisis": slug == SLUGS[1] and safety not in (None, "", SAFETY_NOT_AT_ALL),
        "editing": bool(draft.get("editing")),
        "detect_timezone": slug == "contact" and slug not in draft["steps"],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def start(request):
    if request.method == "POST":
        # "Start again": forget the draft (and the last sent link) in this browser only.
        request.session.pop(DRAFT, None)
        request.session.pop(SENT, None)
        return redirect("matching:step", step=SLUGS[0])
    draft = _draft(request, create=False)
    return render(
        request,
        "matching/intake_start.html",
        {
            "resume": draft and draft["steps"] and _first_incomplete(draft) or None,
            "has_draft": bool(draft and draft["steps"]),
            "first_step": SLUGS[0],
            "step_count": SCREEN_COUNT,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.INTAKE_STEP, method="POST", block=True)
def step(request, step):
    if step in FORMER_STEPS:
        return redirect("matching:step", step=FORMER_STEPS[step])
    form_class = STEPS.get(step)
    if form_class is None:
        raise Http404
    if DRAFT not in request.session and SENT in request.session:
        return _sent_page(request)
    draft = _draft(request, create=True)
    first_incomplete = _first_incomplete(draft)
    if first_incomplete and SLUGS.index(step) > SLUGS.index(first_incomplete):
        messages.info(request, _("Please answer this page first."))
        return redirect("matching:step", step=first_incomplete)

    saved = draft["steps"].get(step)
    if request.method == "GET":
        form = form_class(initial=saved["data"] if saved else None)
        return render(request, "matching/intake_step.html", _step_context(form, step, draft))

    form = form_class(data=request.POST)
    valid = form.is_valid()
    going_back = request.POST.get("nav") == "back"
    if valid or going_back:
        draft["steps"][step] = {"data": _form_data(form, request.POST), "complete": valid}
        _save_draft(request, draft)
    if going_back:
        index = SLUGS.index(step)
        if index == 0:
            return redirect("matching:start")
        return redirect("matching:step", step=SLUGS[index - 1])
    if not valid:
        return render(request, "matching/intake_step.html", _step_context(form, step, draft))
    next_incomplete = _first_incomplete(draft)
    if draft.get("reviewed") and next_incomplete is None:
        return redirect("matching:review")
    index = SLUGS.index(step)
    if index + 1 < len(SLUGS):
        return redirect("matching:step", step=SLUGS[index + 1])
    return redirect("matching:review")


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.INTAKE_SUBMIT, method="POST", block=True)
def review(request):
    draft = _draft(request, create=False)
    if draft is None:
        if request.method == "POST" and SENT in request.session:
            # The same answers sent again (a double click, or "back" then "send"): one intake.
            return redirect(request.session[SENT])
        if SENT in request.session:
            return _sent_page(request)
        return redirect("matching:start")
    first_incomplete = _first_incomplete(draft)
    if first_incomplete:
        return redirect("matching:step", step=first_incomplete)
    forms, invalid = _bound_forms(draft)
    if invalid:
        draft["steps"][invalid]["complete"] = False
        _save_draft(request, draft)
        messages.warning(request, _("Please check this page again."))
        return redirect("matching:step", step=invalid)
    answers = answers_from_forms(forms)

    if request.method == "GET":
        draft["reviewed"] = True
        _save_draft(request, draft)
        return render(
            request,
            "matching/intake_review.html",
            {
                "summary": answers_summary(answers),
                "editing": bool(draft.get("editing")),
                "step_number": SCREEN_COUNT,
                "step_count": SCREEN_COUNT,
                "safety_flagged": answers.get("safety") != SAFETY_NOT_AT_ALL,
            },
        )

    token = draft["token"]
    if draft.get("editing"):
        intake = _edited_intake(draft)
        if intake is None or str(intake.id) != draft["editing"]:
            request.session.pop(DRAFT, None)
            return _link_invalid(request)
        intake_update(intake=intake, answers=answers, language=translation.get_language())
        back = _back_to_results(draft)
        request.session.pop(DRAFT, None)
        request.session[SENT] = back
        return redirect(back)
    # A concurrent twin of this request may have saved it first; the link is the same.
    with contextlib.suppress(IntakeAlreadySubmitted):
        intake_submit(
            answers=answers,
            now=timezone.now(),
            reference=uuid.UUID(draft["reference"]),
            raw_token=token,
            language=translation.get_language(),
        )
    request.session.pop(DRAFT, None)
    request.session[SENT] = _results_path(token)
    return redirect(_results_path(token))


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(
    key="ip", rate=ratelimits.INTAKE_LINK, method=ratelimit.ALL, group=ratelimits.INTAKE_LINK_GROUP
)
def delete(request, token):
    intake = intake_from_token(token)
    if intake is None:
        return _link_invalid(request)
    if request.method == "GET":
        return render(request, "matching/intake_delete.html", {"results_url": _results_path(token)})
    intake_delete(intake=intake)
    forget_results(request, token)
    if request.session.get(SENT) == _results_path(token):
        request.session.pop(SENT, None)
    draft = request.session.get(DRAFT)
    if draft and draft.get("editing") == str(intake.id):
        request.session.pop(DRAFT, None)
    messages.success(request, _("Your answers have been deleted."))
    return redirect("home")


@never_cache
@require_http_methods(["GET"])
@ratelimit(
    key="ip", rate=ratelimits.INTAKE_LINK, method=ratelimit.ALL, group=ratelimits.INTAKE_LINK_GROUP
)
def edit(request, token, step):
    step = FORMER_STEPS.get(step, step)
    if step not in STEPS:
        raise Http404
    intake = intake_from_token(token)
    if intake is None:
        return _link_invalid(request)
    return _start_editing(request, intake, step, token=token)


@never_cache
@require_http_methods(["GET"])
@ratelimit(
    key="ip", rate=ratelimits.INTAKE_LINK, method=ratelimit.ALL, group=ratelimits.INTAKE_LINK_GROUP
)
def next_edit(request, consultation_token, step):
    """Changing an answer from the next-matches page, which is opened by a consultation's link
    (the intake's own link is kept only as a hash); saving goes back to that page."""
    step = FORMER_STEPS.get(step, step)
    if step not in STEPS:
        raise Http404
    intake = intake_from_consultation_token(consultation_token)
    if intake is None:
        return _link_invalid(request)
    return _start_editing(request, intake, step, consultation_token=consultation_token)


def _start_editing(request, intake, step: str, *, token=None, consultation_token=None):
    steps = {
        form_class.slug: {"data": form_class.data_from_answers(intake.answers), "complete": True}
        for form_class in STEP_FORMS
    }
    draft = {
        "reference": str(intake.id),
        "token": token,
        "steps": steps,
        "reviewed": True,
        "editing": str(intake.id),
    }
    if consultation_token:
        draft["consultation_token"] = consultation_token
    _save_draft(request, draft)
    return redirect("matching:step", step=step)
