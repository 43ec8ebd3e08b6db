"""Strengths per concern as staff see them: read-only, each estimate with its uncertainty and
the number of clients behind it. Clients never see these figures; the ranking uses them only
once a practice turns them on (MatchingSettings.strengths_enabled)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ClinicianStrength, MatchingSettings

# A 90% interval: the estimate ± this many standard deviations.
Z90 = 1.645


@admin.register(ClinicianStrength)
class ClinicianStrengthAdmin(admin.ModelAdmin):
    list_display = (
        "clinician",
        "concern",
        "clients",
        "shown_estimate",
        "shown_interval",
        "shown_practice_mean",
        "shown_raw_mean",
        "computed_at",
    )
    list_filter = ("concern",)
    list_select_related = ("clinician", "concern")
    search_fields = ("clinician__first_name", "clinician__last_name")
    ordering = ("concern__name", "-estimate")

    def changelist_view(self, request, extra_context=None):
        settings_row = MatchingSettings.load()
        note = _(
            "Improvement is the fall in PHQ-2 + GAD-2 (0–12) from intake to the latest "
            "check-in, for clients whose first concern this is. Each estimate is shrunk toward "
            "the practice's mean for the concern as if the clinician had %(k)s average clients "
            "more; a clinician with few clients sits near the mean. The interval holds the "
            "true value nine times in ten. In the ranking: %(state)s."
        ) % {
            "k": f"{settings_row.strength_prior_clients:g}",
            "state": _("on") if settings_row.strengths_enabled else _("off"),
        }
        extra_context = {**(extra_context or {}), "subtitle": note}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("estimate"), ordering="estimate")
    def shown_estimate(self, obj):
        return f"{obj.estimate:+.1f}"

    @admin.display(description=_("90% interval"))
    def shown_interval(self, obj):
        low, high = obj.estimate - Z90 * obj.uncertainty, obj.estimate + Z90 * obj.uncertainty
        return f"{low:+.1f} to {high:+.1f}"

    @admin.display(description=_("practice's mean"))
    def shown_practice_mean(self, obj):
        return f"{obj.practice_mean:+.1f}"

    @admin.display(description=_("their clients' mean"))
    def shown_raw_mean(self, obj):
        return f"{obj.raw_mean:+.1f}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
