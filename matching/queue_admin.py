"""The same-day call queue in the admin: practice staff act on a flag without seeing answers."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from config.admin_guards import EncryptedFieldsAdmin
from config.templatetags.phone import tel_uri

from .models import Intake, SameDayCall
from .queue import same_day_call_update

Status = Intake.FollowUp
QUEUE_STATUSES = [
    (status.value, status.label)
    for status in (Status.PENDING, Status.CALLED, Status.NOT_REACHED, Status.RESOLVED)
]


class QueueFilter(admin.SimpleListFilter):
    """Open calls first: what still needs someone to pick up the phone."""

    title = _("show")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [
            ("open", _("waiting for a call")),
            ("overdue", _("past the reminder time")),
            ("all", _("all, closed too")),
        ]

    def choices(self, changelist):
        value = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        queryset = queryset.filter(follow_up__in=Intake.FOLLOW_UP_OPEN)
        if value == "overdue":
            queryset = queryset.filter(follow_up_due_at__lte=timezone.now())
        return queryset


class SameDayCallForm(forms.ModelForm):
    follow_up = forms.ChoiceField(
        label=_("status"), choices=QUEUE_STATUSES, widget=forms.RadioSelect
    )

    class Meta:
        model = SameDayCall
        fields = ("follow_up", "follow_up_note")
        widgets = {"follow_up_note": forms.Textarea(attrs={"rows": 3})}


@admin.register(SameDayCall)
class SameDayCallAdmin(EncryptedFieldsAdmin):
    form = SameDayCallForm
    list_display = (
        "first_name_shown",
        "how_to_reach",
        "language",
        "follow_up_flagged_at",
        "waited",
        "status_shown",
        "note_shown",
        "follow_up_changed_by",
        "follow_up_changed_at",
    )
    list_display_links = ("first_name_shown",)
    list_filter = (QueueFilter,)
    ordering = ("follow_up_flagged_at",)
    list_select_related = ("follow_up_changed_by",)
    show_full_result_count = False
    fieldsets = (
        (
            _("Who to call"),
            {
                "fields": (
                    "first_name_shown",
                    "how_to_reach",
                    "language",
                    "follow_up_flagged_at",
                    "waited",
                )
            },
        ),
        (_("What was done"), {"fields": ("follow_up", "follow_up_note", "changed")}),
        (_("Their answers"), {"fields": ("answers_button",)}),
    )
    readonly_fields = (
        "first_name_shown",
        "how_to_reach",
        "language",
        "follow_up_flagged_at",
        "waited",
        "changed",
        "answers_button",
    )

    def lookup_allowed(self, lookup, value, request=None):
        # No query-string filter but the queue's own: the answers must not become a search.
        return lookup == QueueFilter.parameter_name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("first name"))
    def first_name_shown(self, obj):
        return obj.first_name or "—"

    @admin.display(description=_("how to reach them"))
    def how_to_reach(self, obj):
        if obj.phone and obj.email:
            return format_html(
                '<a href="{}">{}</a> · <a href="mailto:{}">{}</a>',
                tel_uri(obj.phone),
                obj.phone,
                obj.email,
                obj.email,
            )
        if obj.email:
            return format_html('<a href="mailto:{}">{}</a>', obj.email, obj.email)
        return obj.phone or "—"

    @admin.display(description=_("waiting"))
    def waited(self, obj):
        if obj.follow_up not in Intake.FOLLOW_UP_OPEN or obj.follow_up_flagged_at is None:
            return "—"
        now = timezone.now()
        waited = timesince(obj.follow_up_flagged_at, now, depth=1)
        if obj.overdue(now):
            return format_html(
                '<strong class="overdue">{} · {}</strong>', waited, _("past the reminder time")
            )
        return waited

    @admin.display(description=_("status"), ordering="follow_up")
    def status_shown(self, obj):
        return obj.get_follow_up_display()

    @admin.display(description=_("note"))
    def note_shown(self, obj):
        note = obj.follow_up_note
        return note if len(note) <= 60 else note[:59] + "…"

    @admin.display(description=_("last change"))
    def changed(self, obj):
        if obj.follow_up_changed_at is None:
            return _("nobody has changed it yet")
        who = obj.follow_up_changed_by.get_username() if obj.follow_up_changed_by else "—"
        when = timezone.localtime(obj.follow_up_changed_at).strftime("%Y-%m-%d %H:%M")
        return _("%(who)s, %(when)s") % {"who": who, "when": when}

    @admin.display(description=_("answers"))
    def answers_button(self, obj):
        return format_html(
            '<a class="button" href="{}">{}</a> <span class="help">{}</span>',
            reverse("admin:matching_intake_change", args=[obj.pk]),
            _("See their answers"),
            _("Only members of the “Intake reviewers” group can open them; each view is logged."),
        )

    def save_model(self, request, obj, form, change):
        same_day_call_update(
            intake_id=obj.pk,
            status=form.cleaned_data["follow_up"],
            note=form.cleaned_data["follow_up_note"],
            user_id=request.user.pk,
            now=timezone.now(),
        )
