"""The staff's pipeline dashboard. It counts intakes (matching's) beside consultations, so it
lives in the app that may import both."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinicians.selectors import profile_proposals_pending_count
from consultations import checkins
from consultations import selectors as consultation_selectors

from .queue import same_day_calls_open_count, same_day_calls_overdue_count
from .selectors import intakes_submitted_between

DAYS = 30


@staff_member_required
def pipeline_dashboard(request):
    now = timezone.now()
    since = now - dt.timedelta(days=DAYS)
    figures = consultation_selectors.dashboard_figures(
        intakes_submitted=intakes_submitted_between(since=since, until=now),
        now=now,
        days=DAYS,
    )
    context = {
        # The admin's header, title and user links, as on every other admin page.
        **admin.site.each_context(request),
        "title": _("Consultation pipeline"),
        "figures": figures,
        "calls": {
            "open": same_day_calls_open_count(),
            "overdue": same_day_calls_overdue_count(now=now),
        },
        "profile_changes_pending": profile_proposals_pending_count(),
        "links": _links(since=since, week_start=figures["week_start"]),
        "therapy": checkins.engagement_figures(since=since),
        "waitlist": consultation_selectors.waitlist_figures(now=now, days=DAYS),
    }
    return render(request, "admin/consultations/dashboard.html", context)


def _when(value: dt.datetime) -> str:
    # With its offset, so the admin's filter reads the same moment in any zone.
    return value.isoformat(timespec="seconds")


def _links(*, since: dt.datetime, week_start: dt.datetime) -> dict[str, str]:
    """The filtered list behind each number on the dashboard."""
    consultations = reverse("admin:consultations_consultation_changelist")
    queue = reverse("admin:matching_samedaycall_changelist")
    booked_since = {"created_at__gte": _when(since)}
    return {
        "awaiting": f"{consultations}?{urlencode({'status__exact': 'requested'})}",
        "confirmed_this_week": consultations
        + "?"
        + urlencode(
            {"confirmed_at__gte": _when(week_start), "status__in": "confirmed,completed,no_show"}
        ),
        "calls_open": f"{queue}?show=open",
        "calls_overdue": f"{queue}?show=overdue",
        "profile_changes": reverse("admin:clinicians_profileproposal_changelist")
        + "?"
        + urlencode({"status__exact": "pending"}),
        "intakes": reverse("admin:matching_intake_changelist")
        + "?"
        + urlencode({"submitted_at__gte": _when(since)}),
        "booked": f"{consultations}?{urlencode(booked_since)}",
        "confirmed": f"{consultations}?"
        + urlencode({**booked_since, "confirmed_at__isnull": "False"}),
        "completed": f"{consultations}?"
        + urlencode({**booked_since, "status__exact": "completed"}),
        "started": f"{consultations}?"
        + urlencode({**booked_since, "engagement__started__exact": "1"}),
    }
