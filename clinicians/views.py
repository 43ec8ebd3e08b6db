from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import DirectoryFilterForm
from .models import AGE_BANDS, FORMATS, age_field, format_field
from .selectors import clinician_directory_list, clinician_profile_get


def _labels(clinician, choices, field_name) -> list:
    return [label for code, label in choices if getattr(clinician, field_name(code))]


@require_GET
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    clinicians = list(
        clinician_directory_list(
            concern=filters.get("concern"),
            language=filters.get("language"),
            fmt=filters.get("format") or None,
        )
    )
    for clinician in clinicians:
        clinician.format_labels = _labels(clinician, FORMATS, format_field)
    return render(
        request,
        "clinicians/directory.html",
        {
            "form": form,
            "clinicians": clinicians,
            "filtered": bool(filters and any(filters.values())),
        },
    )


@require_GET
def profile(request, slug):
    clinician = clinician_profile_get(slug=slug)
    if clinician is None:
        raise Http404
    return render(
        request,
        "clinicians/profile.html",
        {
            "clinician": clinician,
            "format_labels": _labels(clinician, FORMATS, format_field),
            "age_labels": _labels(clinician, AGE_BANDS, age_field),
        },
    )
