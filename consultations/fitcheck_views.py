from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from config import ratelimits

from . import services
from .fitcheck_forms import FitCheckForm
from .models import Consultation, FitCheck
from .tokens import FIT_CHECK, consultation_from_token, next_match_url


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.FIT_CHECK, method="POST", block=True)
def fit_check(request, token):
    consultation = consultation_from_token(token, FIT_CHECK)
    now = timezone.now()
    if consultation is None or not consultation.fit_check_open(now):
        return _invalid(request)

    answered = FitCheck.objects.filter(consultation=consultation).first()
    if answered is not None:
        return _answered(request, consultation, answered, already=True)

    form = FitCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            answers, recorded = services.fit_check_record(
                consultation_id=consultation.pk, now=now, **form.cleaned_data
            )
        except services.FitCheckClosed:
            return _invalid(request)
        return _answered(request, consultation, answers, already=not recorded)

    return render(
        request,
        "consultations/fit_check.html",
        {"form": form, "consultation": consultation},
    )


def _invalid(request):
    return render(request, "consultations/fit_check_invalid.html", status=404)


def _answered(request, consultation: Consultation, answers: FitCheck, *, already: bool):
    context = {
        "consultation": consultation,
        "already": already,
        "next_match_url": next_match_url(consultation) if answers.not_a_fit else "",
    }
    return render(request, "consultations/fit_check_done.html", context)
