"""The clinician's calendar feed (read by calendar apps with the link's secret alone) and the
portal pages where a clinician makes that link and chooses their emails."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from config import ratelimits

from . import ics, selectors, services, tokens
from .models import BookingSettings, CalendarFeed, NotificationPreferences
from .notifications import request_reminder_delay
from .preference_forms import NotificationPreferencesForm
from .views import clinician_required

# Calendar apps keep the feed this long before asking again; a conditional request (ETag)
# costs a 304 after that when nothing changed.
FEED_MAX_AGE = 5 * 60


def _feed_key(group, request) -> str:
    # Counted per link (never the secret itself, which must not reach the cache's keys).
    token = request.resolver_match.kwargs.get("token", "")
    return tokens.feed_token_hash(token)[:32]


@require_GET
@ratelimit(key="ip", rate=ratelimits.CALENDAR_FEED_ADDRESS, group=ratelimits.CALENDAR_FEED_GROUP)
@ratelimit(key=_feed_key, rate=ratelimits.CALENDAR_FEED, group=ratelimits.CALENDAR_FEED_GROUP)
def calendar_feed(request, token):
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        # A made-up, replaced or revoked link, or a clinician no longer active: one answer.
        raise Http404
    now = timezone.now()
    clinician = feed.clinician
    body = ics.clinician_feed_ics(
        clinician,
        selectors.clinician_feed_consultations(clinician_id=clinician.pk, now=now),
        portal_url=settings.SITE_URL + reverse("consultations:portal"),
    )
    services.calendar_feed_read(feed_id=feed.pk, now=now)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="consultations.ics"'
    response["ETag"] = etag
    # The address is a secret: no shared cache may keep a copy.
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@clinician_required
def portal_calendar(request, clinician):
    feed = CalendarFeed.objects.filter(clinician=clinician).first()
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            token = services.calendar_feed_renew(clinician_id=clinician.pk)
            # Shown on this response only: the link is stored as a hash and can't be shown again.
            new_url = tokens.feed_url(token)
            feed = CalendarFeed.objects.get(clinician=clinician)
        elif action == "revoke":
            if services.calendar_feed_revoke(clinician_id=clinician.pk):
                messages.success(
                    request,
                    _("Your calendar link is turned off. Calendars using it stop updating."),
                )
            return redirect("consultations:portal_calendar")
        else:
            messages.error(request, _("Choose to make a new link or to turn the link off."))
            return redirect("consultations:portal_calendar")
    return render(
        request,
        "consultations/portal_calendar.html",
        {
            "clinician": clinician,
            "feed": feed,
            "new_url": new_url,
            "webcal_url": new_url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
            "zone": clinician.timezone,
        },
    )


@require_http_methods(["GET", "POST"])
@clinician_required
def portal_notifications(request, clinician):
    preferences = NotificationPreferences.of(clinician)
    form = NotificationPreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST":
        if form.is_valid():
            services.notification_preferences_save(clinician_id=clinician.pk, **form.cleaned_data)
            messages.success(request, _("Your email choices are saved."))
            return redirect("consultations:portal_notifications")
        messages.error(request, _("Please correct the highlighted choice below."))
    return render(
        request,
        "consultations/portal_notifications.html",
        {
            "clinician": clinician,
            "form": form,
            "zone": clinician.timezone,
            # Whole hours, rounded down: "after 12 hours" (half of a 25-hour expiry reads 12).
            "reminder_hours": int(
                request_reminder_delay(BookingSettings.load().request_expiry_hours).total_seconds()
                // 3600
            ),
        },
        status=400 if form.errors else 200,
    )
