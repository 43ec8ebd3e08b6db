from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin_guards import EncryptedFieldsAdmin
from consultations.access_log import answers_access_for_intake, answers_seen
from consultations.models import AnswerAccess

from . import access_log_admin, queue_admin, strengths_admin  # noqa: F401 - register their admins
from .forms import answers_summary
from .models import Intake, MatchingSettings
from .queue import same_day_call_update

# --- Matching settings (the ranking's weights and thresholds) -----------------------------


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(admin.ModelAdmin):
    """One row; until staff save it, the defaults in each field's help text apply."""

    fieldsets = (
        (
            _("The alliance components"),
            {
                "description": _(
                    "How much each part of the therapeutic alliance counts in the fit score. "
                    "They are used relative to each other, so they need not add up to 1."
                ),
                "fields": ("weight_goals", "weight_tasks", "weight_bond"),
            },
        ),
        (_("Practical fit"), {"fields": ("practical_points",)}),
        (
            _("Feedback from consultations"),
            {"fields": ("feedback_prior_strength", "feedback_cap_points")},
        ),
        (
            _("Strengths per concern (from check-ins)"),
            {
                "description": _(
                    "Off until you turn it on. The estimates themselves are listed under "
                    "“Strengths per concern”, with how sure they are."
                ),
                "fields": (
                    "strengths_enabled",
                    "strength_prior_clients",
                    "strength_points_per_point",
                    "strength_cap_points",
                ),
            },
        ),
        (
            _("Results page"),
            {"fields": ("tie_band_points", "results_shown", "relaxation_threshold")},
        ),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MatchingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# --- Intakes: only staff holding matching.view_intake_answers see them at all --------------

INTAKE_ANSWERS_PERMISSION = "matching.view_intake_answers"


@admin.register(Intake)
class IntakeAdmin(EncryptedFieldsAdmin):
    # What the permission page names when someone without it opens an intake.
    permission_needed = INTAKE_ANSWERS_PERMISSION
    # The answers are encrypted: nothing lists, filters or sorts by them (config/admin_guards.py).
    list_display = ("__str__", "submitted_at", "language", "safety", "follow_up", "expires_at")
    list_filter = ("follow_up",)
    ordering = ("-submitted_at",)
    date_hierarchy = "submitted_at"
    fields = (
        "safety_answer",
        "follow_up",
        "follow_up_note",
        "submitted_at",
        "language",
        "expires_at",
        "readable_answers",
        "seen_by",
    )
    readonly_fields = (
        "safety_answer",
        "submitted_at",
        "language",
        "expires_at",
        "readable_answers",
        "seen_by",
    )
    show_full_result_count = False

    def _may_see_answers(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(INTAKE_ANSWERS_PERMISSION)

    def has_module_permission(self, request):
        return self._may_see_answers(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see_answers(request)

    def has_change_permission(self, request, obj=None):
        # Following up a safety flag is what this permission is for; the answers stay read-only.
        return self._may_see_answers(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_see_answers(request) and request.user.has_perm("matching.delete_intake")

    def has_add_permission(self, request):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Whenever the page with the answers is shown (a form sent back with an error too).
        if response.status_code == 200 and getattr(response, "context_data", None):
            original = response.context_data.get("original")
            if original is not None:
                answers_seen(
                    request,
                    intake_references=[original.pk],
                    where=AnswerAccess.Where.ADMIN_INTAKE,
                )
        return response

    def save_model(self, request, obj, form, change):
        # The same record of who changed the follow-up when, as the call queue keeps.
        if obj.follow_up and {"follow_up", "follow_up_note"} & set(form.changed_data):
            same_day_call_update(
                intake_id=obj.pk,
                status=obj.follow_up,
                note=obj.follow_up_note,
                user_id=request.user.pk,
                now=timezone.now(),
            )
        else:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("who has seen these answers"))
    def seen_by(self, obj: Intake) -> str:
        rows = answers_access_for_intake(intake_reference=obj.pk)
        if not rows:
            return _("Nobody yet.")
        items = format_html_join(
            "",
            "<li>{} · {} · {}</li>",
            (
                (
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M"),
                    row.username,
                    row.get_where_display(),
                )
                for row in rows
            ),
        )
        everything = reverse("admin:consultations_answeraccess_changelist")
        return format_html(
            '<ul>{}</ul><p><a href="{}?intake_reference={}">{}</a></p>',
            items,
            everything,
            obj.pk,
            _("The whole log for this intake"),
        )

    @admin.display(description=_("safety answer"))
    def safety(self, obj: Intake) -> str:
        return obj.get_safety_answer_display()

    @admin.display(description=_("answers"))
    def readable_answers(self, obj: Intake) -> str:
        sections = (
            (title, format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))
            for _slug, title, rows in answers_summary(obj.answers or {})
        )
        return format_html_join("", "<h3>{}</h3><dl>{}</dl>", sections)
