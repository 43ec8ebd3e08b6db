from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .forms import DirectoryFilterForm
from .models import AGE_BANDS, FORMATS, age_field, format_field
from .selectors import (
    clinician_directory_cards,
    clinician_directory_list,
    clinician_profile_get,
)
from .signals import profile_shown
from .style import STYLE_POLES

DIRECTORY_PAGE_SIZE = 20


def _labels(clinician, choices, field_name) -> list:
    return [label for code, label in choices if getattr(clinician, field_name(code))]


def _directory_page(paginator: Paginator, number: str | None):
    """The page asked for and, when the number is no page, a message and the nearest page."""
    try:
        return paginator.page(number or 1), ""
    except PageNotAnInteger:
        return paginator.page(1), _("That page number isn't a number; here is the first page.")
    except EmptyPage:
        if int(number) < 1:
            return paginator.page(1), _("There is no such page; here is the first one.")
        return paginator.page(paginator.num_pages), _(
            "There is no such page; here is the last one."
        )


@require_GET
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    clinicians = clinician_directory_list(
        state=filters.get("state"),
        payment=filters.get("payment"),
        fmt=filters.get("format"),
        language=filters.get("language"),
        concern=filters.get("concern"),
        age=filters.get("age"),
        accepting=filters.get("accepting", False),
    )
    paginator = Paginator(clinicians, DIRECTORY_PAGE_SIZE)
    page, page_message = _directory_page(paginator, request.GET.get("page"))
    clinicians = clinician_directory_cards(page=page.object_list)
    for clinician in clinicians:
        clinician.format_labels = _labels(clinician, FORMATS, format_field)
    return render(
        request,
        "clinicians/directory.html",
        {
            "form": form,
            "page": page,
            "clinicians": clinicians,
            "page_message": page_message,
            "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=1),
            "filtered": bool(filters),
            "filters_invalid": form.is_bound and bool(form.errors),
        },
    )


def _style_rows(clinician) -> list[dict]:
    """The clinician's way of working on the intake's four scales, in the intake's words."""
    return [
        {
            "key": key,
            "question": question,
            "low": low,
            "high": high,
            "value": clinician.style[key],
            "points": [(point, point == clinician.style[key]) for point in range(1, 6)],
        }
        for key, (question, low, high) in STYLE_POLES.items()
    ]


@require_GET
def profile(request, slug):
    clinician = clinician_profile_get(slug=slug)
    if clinician is None:
        raise Http404
    context = {
        "clinician": clinician,
        "format_labels": _labels(clinician, FORMATS, format_field),
        "age_labels": _labels(clinician, AGE_BANDS, age_field),
        "style_rows": _style_rows(clinician),
    }
    # Open times and booking come from the apps that own them (clinicians imports neither).
    for _receiver, extra in profile_shown.send(
        sender=type(clinician), request=request, clinician=clinician
    ):
        context.update(extra or {})
    return render(request, "clinicians/profile.html", context)
