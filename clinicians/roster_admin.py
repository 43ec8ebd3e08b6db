"""Roster import and export in the admin: the same service and format as the commands.

Import is two steps: an upload is dry-run and shown as a preview (what would be created, changed
and left alone, or every row-and-field error); confirming sends the same file back, signed so it
can't be altered in between, and imports it for real."""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .interchange import RosterFormatError, parse, serialise
from .selectors import clinician_roster_export
from .services import clinician_roster_import

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIGNING_SALT = "clinicians.roster-import"
# A preview stays valid this long; then upload the file again.
PREVIEW_MAX_AGE = 60 * 60


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label=gettext_lazy("Roster file (.json or .csv)"),
        help_text=gettext_lazy("The format of docs/interchange.md, as the export writes it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv"}),
    )

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        fmt = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if fmt not in ("json", "csv"):
            raise forms.ValidationError(_("Choose a file whose name ends in .json or .csv."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is over 5 MB; split it into smaller files."))
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file isn't UTF-8 text; save it from the spreadsheet as “CSV UTF-8”.")
            ) from None
        try:
            rows = parse(text, fmt=fmt)
        except RosterFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.cleaned_data["fmt"], self.cleaned_data["text"] = fmt, text
        return rows


def _may_import(request) -> None:
    for permission in ("clinicians.add_clinician", "clinicians.change_clinician"):
        if not request.user.has_perm(permission):
            raise PermissionDenied(permission)


def import_view(model_admin, request):
    _may_import(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import a roster"),
    }
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(
                request.POST.get("payload", ""), salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE
            )
            rows = parse(payload["text"], fmt=payload["fmt"])
        except (signing.BadSignature, KeyError, TypeError, RosterFormatError):
            messages.error(request, _("That preview has expired; upload the file again."))
            return redirect("admin:clinicians_clinician_import")
        result = clinician_roster_import(rows=rows, dry_run=False)
        if result.ok:
            messages.success(
                request,
                _(
                    "Roster imported: %(created)s created, %(updated)s changed, "
                    "%(unchanged)s left as they were."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("admin:clinicians_clinician_changelist")
        # The roster changed since the preview: show what is wrong now.
        context.update(result=result, form=RosterUploadForm(), filename=payload.get("name", ""))
        return TemplateResponse(request, "admin/clinicians/clinician/roster_import.html", context)

    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        rows = form.cleaned_data["roster"]
        result = clinician_roster_import(rows=rows, dry_run=True)
        upload = request.FILES["roster"]
        context.update(
            result=result,
            filename=upload.name,
            payload=signing.dumps(
                {
                    "text": form.cleaned_data["text"],
                    "fmt": form.cleaned_data["fmt"],
                    "name": upload.name,
                },
                salt=SIGNING_SALT,
                compress=True,
            )
            if result.ok
            else "",
        )
        form = RosterUploadForm()
    context["form"] = form
    return TemplateResponse(request, "admin/clinicians/clinician/roster_import.html", context)


def export_view(model_admin, request, fmt):
    if not request.user.has_perm("clinicians.view_clinician"):
        raise PermissionDenied("clinicians.view_clinician")
    text = serialise(clinician_roster_export(), fmt=fmt)
    content_type = "text/csv" if fmt == "csv" else "application/json"
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="roster-{stamp}.{fmt}"'
    return response
