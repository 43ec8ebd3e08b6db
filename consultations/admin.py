from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin_guards import EncryptedFieldsAdmin

from . import notifications as notification_services
from .access_log import answers_seen
from .models import (
    AnswerAccess,
    BookingSettings,
    CalendarFeed,
    Consultation,
    ConsultationEvent,
    Engagement,
    Notification,
    NotificationPreferences,
)
from .selectors import notifications_failed_q, notifications_failing_q

SUMMARY_PERMISSION = "consultations.view_client_summary"


class ConsultationEventInline(admin.TabularInline):
    model = ConsultationEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "actor_user", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor_user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(EncryptedFieldsAdmin):
    list_display = (
        "starts_at",
        "clinician",
        "client_first_name",
        "client_language",
        "format",
        "status",
        "created_at",
    )
    list_filter = (
        "status",
        "clinician",
        ("starts_at", admin.DateFieldListFilter),
        "format",
        "engagement__started",
    )
    date_hierarchy = "starts_at"
    search_fields = ("client_first_name", "client_email", "clinician__last_name")
    list_select_related = ("clinician",)
    inlines = (ConsultationEventInline,)
    readonly_fields = (
        "public_id",
        "status",
        "sequence",
        "token_version",
        "created_at",
        "updated_at",
        "confirmed_at",
        "client_reference",
        "client_language",
        "intake_summary",
        "therapy",
    )
    # Status changes go through the services (events, notifications), not through this form.
    base_fields = (
        "public_id",
        "clinician",
        ("starts_at", "ends_at"),
        "status",
        "format",
        ("client_first_name", "client_email", "client_phone", "client_timezone"),
        # The language the client's emails are written in (they are not editable here).
        "client_language",
        "decline_message",
        ("sequence", "token_version"),
        ("created_at", "updated_at", "confirmed_at"),
        "client_reference",
        "therapy",
    )

    @admin.display(description=_("therapy"))
    def therapy(self, obj):
        """Whether it became therapy (the clinician records it in the portal) and the client's
        choices since. Never the answers: check-ins stay between client and clinician."""
        engagement = Engagement.objects.filter(consultation=obj).first() if obj else None
        if engagement is None:
            return _("not recorded")
        if not engagement.started:
            return _("not continuing (recorded %(when)s)") % {
                "when": f"{engagement.decided_at:%Y-%m-%d}"
            }
        parts = [
            _("starting to work together; first session %(date)s")
            % {"date": f"{engagement.first_session_on:%Y-%m-%d}"}
        ]
        if engagement.checkins_stopped_at:
            parts.append(
                _("check-ins stopped %(when)s")
                % {"when": f"{engagement.checkins_stopped_at:%Y-%m-%d}"}
            )
        if engagement.switched_at:
            parts.append(
                _("chose to continue with someone else %(when)s")
                % {"when": f"{engagement.switched_at:%Y-%m-%d}"}
            )
        return "; ".join(str(p) for p in parts)

    def get_fields(self, request, obj=None):
        fields = list(self.base_fields)
        if request.user.has_perm(SUMMARY_PERMISSION):
            fields.append("intake_summary")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            # Moving a booking must go through the reschedule service (constraint, events).
            readonly += ["clinician", "starts_at", "ends_at"]
        return readonly

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = (
                response.context_data.get("original") if hasattr(response, "context_data") else None
            )
            if obj is not None and obj.client_summary and request.user.has_perm(SUMMARY_PERMISSION):
                answers_seen(
                    request,
                    intake_references=[obj.client_reference],
                    where=AnswerAccess.Where.ADMIN_SUMMARY,
                )
        return response

    @admin.display(description=_("intake summary"))
    def intake_summary(self, obj):
        if not obj or not obj.client_summary:
            return "—"
        rows = format_html_join(
            "", "<dt>{}</dt><dd>{}</dd>", ((label, value) for label, value in obj.client_summary)
        )
        return format_html("<dl>{}</dl>", rows)


@admin.register(BookingSettings)
class BookingSettingsAdmin(admin.ModelAdmin):
    """One row of practice-wide rules: the list goes straight to it."""

    def has_add_permission(self, request):
        return not BookingSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row = BookingSettings.objects.order_by("pk").first()
        if row is not None:
            return HttpResponseRedirect(
                reverse("admin:consultations_bookingsettings_change", args=[row.pk])
            )
        return HttpResponseRedirect(reverse("admin:consultations_bookingsettings_add"))


# Notifications (owned with consultations/notifications.py): read-only, with a "retry" action.


class NeedsAttentionFilter(admin.SimpleListFilter):
    """The rows the admin index and the dashboard count, one click away."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return (
            ("failed", _("Failed in the last 7 days")),
            ("failing", _("Failing for over an hour, still retried")),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "failed":
            return queryset.filter(notifications_failed_q(now=now))
        if self.value() == "failing":
            return queryset.filter(notifications_failing_q(now=now))
        return queryset


@admin.register(Notification)
class NotificationAdmin(EncryptedFieldsAdmin):
    list_display = (
        "due_at",
        "kind",
        "status",
        "attempts",
        "failing_since",
        "sent_at",
        "consultation",
        "error",
    )
    list_filter = (NeedsAttentionFilter, "status", "kind")
    date_hierarchy = "due_at"
    list_select_related = ("consultation__clinician",)
    search_fields = ("=consultation__id", "=intake_reference")
    fields = (
        "consultation",
        "intake_reference",
        "kind",
        "revision",
        "status",
        "due_at",
        "attempts",
        "last_error",
        "failing_since",
        "claimed_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ("retry",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("Retry the selected failed messages"), permissions=["change"])
    def retry(self, request, queryset):
        count = notification_services.notifications_retry(
            notification_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            _("%(count)s failed message(s) will be sent again.") % {"count": count},
        )


# Clinicians' calendar feeds and email choices (consultations/calendar_views.py): staff see
# that a feed exists and when it was read, never its link (stored only as a hash), and may
# turn a feed off (delete), say when a clinician's phone is lost.


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("clinician", "created_at", "last_read_at")
    list_select_related = ("clinician",)
    search_fields = ("clinician__last_name", "clinician__first_name", "clinician__email")
    fields = ("clinician", "created_at", "last_read_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    """Read-only: the clinician's own choices, for staff asking "why no email?"."""

    list_display = (
        "clinician",
        "new_requests",
        "changes",
        "cancellations",
        "digest",
        "digest_time",
    )
    list_select_related = ("clinician",)
    list_filter = ("digest",)
    search_fields = ("clinician__last_name", "clinician__first_name", "clinician__email")
    fields = ("clinician", "new_requests", "changes", "cancellations", "digest", "digest_time")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
