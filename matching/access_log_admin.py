"""The access log of clients' answers in the admin: read-only, and only for Intake reviewers."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consultations.models import AnswerAccess

INTAKE_ANSWERS_PERMISSION = "matching.view_intake_answers"


@admin.register(AnswerAccess)
class AnswerAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "where", "address", "intake_link")
    list_filter = ("where",)
    date_hierarchy = "at"
    permission_needed = INTAKE_ANSWERS_PERMISSION
    show_full_result_count = False

    def lookup_allowed(self, lookup, value, request=None):
        # Per intake (the intake page links here), by place, and by date: nothing else.
        return lookup in (
            "intake_reference",
            "intake_reference__exact",
            "where",
            "where__exact",
        ) or (lookup.startswith("at__"))

    def _may_read(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(INTAKE_ANSWERS_PERMISSION)

    def has_module_permission(self, request):
        return self._may_read(request)

    def has_view_permission(self, request, obj=None):
        return self._may_read(request)

    # The log is written by the app alone: not even a superuser edits or deletes a row here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("intake"))
    def intake_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:matching_intake_change", args=[obj.intake_reference]),
            str(obj.intake_reference)[:8],
        )
