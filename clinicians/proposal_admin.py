"""Profile changes clinicians propose, reviewed by staff in the admin: a side-by-side view of
each field before and after, approved or returned with a comment through the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import ProfileProposal
from .services import ProposalRefused, profile_proposal_approve, profile_proposal_return

APPROVE = "approve"
RETURN = "return"


class StatusFilter(admin.SimpleListFilter):
    """Waiting proposals first: what still needs someone to look at it."""

    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return ProfileProposal.Status.choices

    def queryset(self, request, queryset):
        if self.value() in ProfileProposal.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (RETURN, _("Return"))])
    comment = forms.CharField(
        label=_("Comment to the clinician"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Needed to return the changes: say what to change. The clinician reads it in the "
            "portal; the email only tells them to look."
        ),
    )


class ProfileProposalInline(admin.TabularInline):
    """A clinician's proposals, decided or waiting, on their page: the history of their
    profile's changes."""

    model = ProfileProposal
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("created_at", "status", "author_name", "reviewer_name", "decided_at", "comment")
    readonly_fields = fields
    verbose_name = _("profile change proposed by the clinician")
    verbose_name_plural = _("profile changes proposed by the clinician")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProfileProposal)
class ProfileProposalAdmin(admin.ModelAdmin):
    list_display = (
        "clinician_name",
        "status",
        "created_at",
        "updated_at",
        "author_name",
        "reviewer_name",
        "decided_at",
    )
    list_display_links = ("clinician_name",)
    list_filter = (StatusFilter,)
    list_select_related = ("clinician",)
    search_fields = ("clinician__first_name", "clinician__last_name", "clinician__email")
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The rows are the history of who changed what: never deleted by hand.
        return False

    @admin.display(description=_("clinician"), ordering="clinician__last_name")
    def clinician_name(self, obj):
        return obj.clinician.full_name

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, proposal):
            raise PermissionDenied
        can_decide = proposal.is_pending and self.has_change_permission(request, proposal)
        form = DecisionForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if not self.has_change_permission(request, proposal):
                raise PermissionDenied("clinicians.change_profileproposal")
            if form.is_valid():
                response = self._decide(request, proposal, form)
                if response is not None:
                    return response
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Profile changes proposed by %(name)s") % {"name": proposal.clinician},
            "subtitle": None,
            "original": proposal,
            "proposal": proposal,
            "rows": selectors.profile_proposal_diff(proposal),
            "form": form,
            "can_decide": can_decide,
            "clinician_url": reverse(
                "admin:clinicians_clinician_change", args=[proposal.clinician_id]
            ),
            "history": [
                other
                for other in selectors.profile_proposal_history(clinician_id=proposal.clinician_id)
                if other.pk != proposal.pk
            ],
            **(extra_context or {}),
        }
        return TemplateResponse(
            request, "admin/clinicians/profileproposal/review.html", context, status=status
        )

    def _decide(self, request, proposal, form):
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        try:
            if decision == APPROVE:
                profile_proposal_approve(
                    proposal_id=proposal.pk, reviewer_id=request.user.pk, comment=comment
                )
            else:
                profile_proposal_return(
                    proposal_id=proposal.pk, reviewer_id=request.user.pk, comment=comment
                )
        except ProposalRefused as exc:
            if exc.problems.get("comment"):
                form.add_error("comment", exc.problems["comment"])
            else:
                form.add_error(None, str(exc))
            return None
        name = proposal.clinician.full_name
        if decision == APPROVE:
            self.log_change(request, proposal, [{"changed": {"fields": ["status"]}}])
            self.message_user(
                request,
                _("Approved: %(name)s's profile shows the changes now, and they will get an email.")
                % {"name": name},
                messages.SUCCESS,
            )
        else:
            self.log_change(request, proposal, [{"changed": {"fields": ["status", "comment"]}}])
            self.message_user(
                request,
                _("Returned to %(name)s with your comment; they will get an email.")
                % {"name": name},
                messages.SUCCESS,
            )
        changelist = reverse("admin:clinicians_profileproposal_changelist")
        return redirect(f"{changelist}?status__exact=pending")
