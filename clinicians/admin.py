from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import roster_admin
from .branding import DEFAULT_ACCENT, PAGE, WHITE, contrast, logo_rendition
from .interchange import MAX_FOCUS_CONCERNS
from .models import (
    FORMATS,
    PROFILE_M2M_FIELDS,
    VIDEO_URL_MESSAGE,
    Approach,
    AvailabilityException,
    Clinician,
    Community,
    Concern,
    ConsultationHours,
    Credential,
    InsurancePlan,
    Language,
    License,
    Office,
    PracticeBrand,
    format_field,
)
from .photos import photo_open
from .proposal_admin import ProfileProposalInline
from .selectors import licence_status
from .services import (
    clinician_photo_remove,
    clinician_photo_set,
    clinician_set_accepting,
    practice_logo_set,
)
from .zones import practice_today


class ClinicianAdminForm(forms.ModelForm):
    # A plain file field: the photo is checked by clinicians/photos.py, whose messages say what
    # to fix, and stored as renditions by clinician_photo_set.
    photo = forms.FileField(
        label=Clinician._meta.get_field("photo").verbose_name,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "A JPEG, PNG or WebP photo of at least 200 × 200 pixels, up to 10 MB. It is cropped "
            "to a square around the middle and stored in three sizes."
        ),
    )
    video_url = forms.URLField(
        label=Clinician._meta.get_field("video_url").verbose_name,
        help_text=Clinician._meta.get_field("video_url").help_text,
        required=False,
        # "zoom.us/j/123" is read as https://zoom.us/j/123; an http:// address is refused.
        assume_scheme="https",
        error_messages={"invalid": VIDEO_URL_MESSAGE},
    )

    class Meta:
        model = Clinician
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        # Plain checkboxes, each with its own label, instead of the two-list picker whose
        # search boxes and icons screen readers can't name.
        widgets = dict.fromkeys(PROFILE_M2M_FIELDS, forms.CheckboxSelectMultiple)

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if isinstance(upload, UploadedFile):
            photo_open(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        # Many-to-many values are saved after the form, so this is the only place to check them.
        concerns = cleaned.get("concerns")
        focus = cleaned.get("focus_concerns")
        if focus is not None:
            if len(focus) > MAX_FOCUS_CONCERNS:
                self.add_error(
                    "focus_concerns",
                    _("Choose at most %(limit)s focus concerns.") % {"limit": MAX_FOCUS_CONCERNS},
                )
            if concerns is not None:
                outside = sorted(
                    (term.name for term in set(focus) - set(concerns)), key=str.casefold
                )
                if outside:
                    self.add_error(
                        "focus_concerns",
                        _("Focus concerns must also be concerns treated; add or remove: %(names)s.")
                        % {"names": ", ".join(outside)},
                    )
        return cleaned


def _label_row_inputs(form, row) -> None:
    """A table's column headings don't label its inputs for assistive technology, so every
    input of a row (the delete box too) carries its own name: "Licence number, row 2"."""
    for name, field in form.fields.items():
        label = _("Delete") if name == "DELETE" else field.label or name
        field.widget.attrs["aria-label"] = f"{capfirst(label)}, {row}"


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = _("new row") if index is None else _("row %(n)s") % {"n": index + 1}
        _label_row_inputs(form, row)


class LabelledChangelistFormSet(BaseModelFormSet):
    """The same for a list whose rows are edited in place: "Order, anxiety"."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        _label_row_inputs(form, str(form.instance) if form.instance.pk else _("new row"))


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledInlineFormSet
    extra = 0


class LicenseInline(LabelledTabularInline):
    model = License
    fields = ("state", "number", "expires_on")


class ConsultationHoursInline(LabelledTabularInline):
    model = ConsultationHours
    fields = ("weekday", "start", "end")


class AvailabilityExceptionInline(LabelledTabularInline):
    model = AvailabilityException
    fields = ("date", "kind", "start", "end", "note")


class FormatListFilter(admin.SimpleListFilter):
    title = _("format")
    parameter_name = "format"

    def lookups(self, request, model_admin):
        return FORMATS

    def queryset(self, request, queryset):
        if self.value() in dict(FORMATS):
            return queryset.filter(**{format_field(self.value()): True})
        return queryset


class LicenceStateListFilter(admin.SimpleListFilter):
    """States where the clinician holds a current licence (an expired one does not count)."""

    title = _("licensed in")
    parameter_name = "licensed_in"

    def lookups(self, request, model_admin):
        states = dict(License._meta.get_field("state").choices)
        used = License.objects.order_by("state").values_list("state", flat=True).distinct()
        return [(code, f"{code} · {states.get(code, code)}") for code in used]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        current = License.objects.filter(
            state=self.value(), expires_on__gte=practice_today()
        ).values("clinician_id")
        return queryset.filter(pk__in=current)


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    form = ClinicianAdminForm
    list_display = (
        "name",
        "credential_list",
        "accepting_new_clients",
        "focus_list",
        "licence_states",
        "next_licence_expiry",
        "is_active",
    )
    list_display_links = ("name",)
    list_filter = (
        "accepting_new_clients",
        "is_active",
        "concerns",
        "approaches",
        "languages",
        LicenceStateListFilter,
        FormatListFilter,
        "offices",
    )
    search_fields = ("first_name", "last_name", "email")
    actions = ("pause_accepting", "resume_accepting")
    inlines = (
        LicenseInline,
        ConsultationHoursInline,
        AvailabilityExceptionInline,
        ProfileProposalInline,
    )
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    prepopulated_fields = {"slug": ("first_name", "last_name")}
    list_per_page = 50
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("first_name", "last_name"),
                    ("pronouns", "email"),
                    "slug",
                    "credentials",
                    "photo",
                    "intro",
                    "bio",
                    ("is_active", "user"),
                )
            },
        ),
        (
            _("What they treat"),
            {"fields": ("concerns", "focus_concerns", "approaches")},
        ),
        (
            _("Who and how"),
            {
                "fields": (
                    (
                        "serves_children",
                        "serves_teens",
                        "serves_adults",
                        "serves_older_adults",
                        "serves_couples",
                        "serves_families",
                    ),
                    ("offers_video", "offers_phone", "offers_in_person"),
                    "offices",
                    "languages",
                )
            },
        ),
        (
            _("Identity (self-disclosed, optional)"),
            {"fields": ("gender", "communities", ("lgbtq_affirming", "faith_informed"))},
        ),
        (
            _("Style"),
            {"fields": (("style_lead", "style_focus"), ("style_time", "style_challenge"))},
        ),
        (
            _("Payment"),
            {"fields": ("insurance", ("self_pay_fee", "sliding_scale_min"))},
        ),
        (
            _("Consultations"),
            {
                "fields": (
                    "accepting_new_clients",
                    "weekly_consultation_capacity",
                    "timezone",
                    "video_url",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("credentials", "focus_concerns", "licenses")
            .annotate(
                # The next expiry among licences still valid; for someone with none, the last.
                next_expiry=Coalesce(
                    Min(
                        "licenses__expires_on",
                        filter=Q(licenses__expires_on__gte=practice_today()),
                    ),
                    Max("licenses__expires_on"),
                )
            )
        )

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj):
        return obj.full_name

    @admin.display(description=_("credentials"))
    def credential_list(self, obj):
        return ", ".join(term.name for term in obj.credentials.all())

    @admin.display(description=_("focus concerns"))
    def focus_list(self, obj):
        return ", ".join(term.name for term in obj.focus_concerns.all())

    @admin.display(description=_("licensed in"))
    def licence_states(self, obj):
        today = practice_today()
        current = sorted({lic.state for lic in obj.licenses.all() if lic.expires_on >= today})
        expired = sorted(
            {lic.state for lic in obj.licenses.all() if lic.expires_on < today} - set(current)
        )
        return format_html(
            "{}{}",
            ", ".join(current) or "—",
            format_html_join(
                "", ' <s title="{}">{}</s>', ((_("expired"), state) for state in expired)
            ),
        )

    @admin.display(description=_("next licence expiry"), ordering="next_expiry")
    def next_licence_expiry(self, obj):
        status = licence_status(obj.next_expiry)
        if not status:
            return "—"
        labels = {"expired": _("expired"), "soon": _("soon")}
        if status in labels:
            return format_html(
                '{} <strong class="licence-{}">⚠ {}</strong>',
                obj.next_expiry,
                status,
                labels[status],
            )
        return obj.next_expiry

    @admin.action(description=_("Pause new clients"), permissions=["change"])
    def pause_accepting(self, request, queryset):
        changed = clinician_set_accepting(
            clinician_ids=queryset.values_list("pk", flat=True), accepting=False
        )
        self.message_user(
            request,
            ngettext("%(count)d clinician paused.", "%(count)d clinicians paused.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Resume new clients"), permissions=["change"])
    def resume_accepting(self, request, queryset):
        changed = clinician_set_accepting(
            clinician_ids=queryset.values_list("pk", flat=True), accepting=True
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d clinician accepting again.",
                "%(count)d clinicians accepting again.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    def _warn_expired_licences(self, request, clinician):
        today = practice_today()
        licences = list(clinician.licenses.all())
        current_states = {lic.state for lic in licences if lic.expires_on >= today}
        for lic in licences:
            # A licence renewed under a new row needs no warning.
            if lic.expires_on < today and lic.state not in current_states:
                self.message_user(
                    request,
                    _(
                        "The %(state)s licence %(number)s expired on %(date)s: it does not "
                        "count, so this clinician is not matched to clients in %(state)s on "
                        "its strength. Add the renewed licence."
                    )
                    % {"state": lic.state, "number": lic.number, "date": lic.expires_on},
                    messages.WARNING,
                )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            clinician = self.get_object(request, object_id)
            if clinician is not None:
                self._warn_expired_licences(request, clinician)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """A new photo goes through clinician_photo_set (renditions, the old files deleted),
        never stored as uploaded; a cleared one through clinician_photo_remove."""
        upload = form.cleaned_data.get("photo")
        if "photo" not in form.changed_data or not (
            upload is False or isinstance(upload, UploadedFile)
        ):
            super().save_model(request, obj, form, change)
            return
        stored = Clinician.objects.filter(pk=obj.pk).values_list("photo", flat=True).first()
        # Assigned as a name, the upload itself is never written to storage.
        obj.photo = stored or ""
        super().save_model(request, obj, form, change)
        if upload is False:
            clinician_photo_remove(clinician=obj)
        else:
            clinician_photo_set(clinician=obj, upload=upload)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._warn_expired_licences(request, form.instance)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(partial(roster_admin.import_view, self)),
                name="clinicians_clinician_import",
            ),
            path(
                "export/<str:fmt>/",
                wrap(self._export),
                name="clinicians_clinician_export",
            ),
            *super().get_urls(),
        ]

    def _export(self, request, fmt):
        if fmt not in ("json", "csv"):
            raise Http404
        return roster_admin.export_view(self, request, fmt)


class VocabularyAdmin(admin.ModelAdmin):
    list_display = ("name", "name_es", "sort_order", "is_active")
    list_editable = ("name_es", "sort_order", "is_active")

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=LabelledChangelistFormSet, **kwargs)

    list_filter = ("is_active",)
    search_fields = ("name", "name_es")
    ordering = ("sort_order", "name")


for vocabulary in (Concern, Language, InsurancePlan, Community, Credential):
    admin.site.register(vocabulary, VocabularyAdmin)


@admin.register(Approach)
class ApproachAdmin(VocabularyAdmin):
    """Approaches carry a plain-words line that clients read in the intake."""

    list_display = ("name", "name_es", "description", "description_es", "sort_order", "is_active")


@admin.register(Office)
class OfficeAdmin(VocabularyAdmin):
    list_display = ("name", "name_es", "address", "state", "sort_order", "is_active")


class PracticeBrandForm(forms.ModelForm):
    logo = forms.FileField(
        label=PracticeBrand._meta.get_field("logo").verbose_name,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_(
            "A PNG (transparent is best), JPEG or WebP, at least 40 pixels tall, up to 2 MB. "
            "It is shown 40 pixels tall beside the practice's name."
        ),
    )
    accent = forms.CharField(
        label=PracticeBrand._meta.get_field("accent").verbose_name,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=PracticeBrand._meta.get_field("accent").help_text,
    )

    class Meta:
        model = PracticeBrand
        fields = ("name", "logo", "accent")

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if isinstance(upload, UploadedFile):
            logo_rendition(upload)
        return upload


@admin.register(PracticeBrand)
class PracticeBrandAdmin(admin.ModelAdmin):
    """One row: the list goes straight to it. The accent's contrast is checked on save
    (`PracticeBrand.clean`)."""

    form = PracticeBrandForm
    readonly_fields = ("accent_contrast",)
    fields = ("name", "logo", "accent", "accent_contrast")

    @admin.display(description=_("contrast of the accent"))
    def accent_contrast(self, obj):
        accent = (obj.accent if obj and obj.accent else DEFAULT_ACCENT).lower()
        return format_html(
            "{}: {}:1 {} · {}:1 {}",
            accent,
            f"{int(contrast(accent, WHITE) * 100) / 100:.2f}",
            _("against white"),
            f"{int(contrast(accent, PAGE) * 100) / 100:.2f}",
            _("against the page (4.5:1 needed for both)"),
        )

    def has_add_permission(self, request):
        return not PracticeBrand.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row = PracticeBrand.objects.order_by("pk").first()
        if row is not None:
            return HttpResponseRedirect(
                reverse("admin:clinicians_practicebrand_change", args=[row.pk])
            )
        return HttpResponseRedirect(reverse("admin:clinicians_practicebrand_add"))

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("logo")
        stored = PracticeBrand.objects.filter(pk=obj.pk).values_list("logo", flat=True).first()
        # Assigned as a name, the upload itself is never written to storage.
        obj.logo = stored or ""
        if upload is False:
            obj.logo = ""
            obj.logo_width = obj.logo_height = None
        if isinstance(upload, UploadedFile):
            super().save_model(request, obj, form, change)
            practice_logo_set(brand=obj, upload=upload)
            return
        super().save_model(request, obj, form, change)
