"""The staff's pipeline dashboard. It counts intakes (matching's) beside consultations, so it
lives in the app that may import both."""

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.utils import timezone

from consultations import selectors as consultation_selectors

from .selectors import intakes_submitted_between

DAYS = 30


@staff_member_required
def pipeline_dashboard(request):
    now = timezone.now()
    figures = consultation_selectors.dashboard_figures(
        intakes_submitted=intakes_submitted_between(now - dt.timedelta(days=DAYS), now),
        now=now,
        days=DAYS,
    )
    return render(request, "admin/consultations/dashboard.html", {"figures": figures})
