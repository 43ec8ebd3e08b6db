from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from config import ratelimits

from .fitcheck_forms import FitCheckForm
from .models import Consultation, FitCheck
from .tokens import FIT_CHECK, consultation_from_token, next_match_url


def _open_for_fit_check(consultation: Consultation) -> bool:
    """Only once the consultation has taken place (or its time is past, before the clinician
    marks it completed)."""
    if consultation.status == Consultation.Status.COMPLETED:
        return True
    return (
        consultation.status == Consultation.Status.CONFIRMED
        and consultation.ends_at <= timezone.now()
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def fit_check(request, token):
    consultation = consultation_from_token(token, FIT_CHECK)
    if consultation is None or not _open_for_fit_check(consultation):
        return render(request, "consultations/fit_check_invalid.html", status=404)

    answered = FitCheck.objects.filter(consultation=consultation).first()
    if answered is not None:
        return _answered(request, consultation, answered, already=True)

    form = FitCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.instance.consultation = consultation
        try:
            with transaction.atomic():
                answers = form.save()
        except IntegrityError:
            # A second submission racing the first: the first one counts.
            answers = FitCheck.objects.get(consultation=consultation)
            return _answered(request, consultation, answers, already=True)
        return _answered(request, consultation, answers, already=False)

    return render(
        request,
        "consultations/fit_check.html",
        {"form": form, "consultation": consultation},
    )


def _answered(request, consultation: Consultation, answers: FitCheck, *, already: bool):
    context = {
        "consultation": consultation,
        "already": already,
        "next_match_url": next_match_url(consultation) if answers.not_a_fit else "",
    }
    return render(request, "consultations/fit_check_done.html", context)
