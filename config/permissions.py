"""Saying which permission a refused page needs, and who can grant it, instead of a bare 403."""

import re
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

_DOTTED = re.compile(r"^(\w+)\.(\w+)$")
# What each admin page needs, from the last part of its URL name.
_ADMIN_ACTIONS = {
    "changelist": "view",
    "change": "change",
    "history": "view",
    "add": "add",
    "delete": "delete",
}


@dataclass
class Refusal:
    permission: Permission | None = None
    groups: list[str] = field(default_factory=list)
    granters: list[str] = field(default_factory=list)


def _admin_permission(url_name: str) -> str | None:
    """ "matching_intake_change" → the permission that admin page needs (a ModelAdmin may name
    its own with `permission_needed`)."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if url_name.startswith(prefix):
            needed = getattr(model_admin, "permission_needed", None)
            if needed:
                return needed
            action = _ADMIN_ACTIONS.get(url_name.removeprefix(prefix))
            if action:
                return f"{opts.app_label}.{action}_{opts.model_name}"
    return None


def _permission(dotted: str | None) -> Permission | None:
    match = _DOTTED.match(dotted or "")
    if not match:
        return None
    return (
        Permission.objects.select_related("content_type")
        .filter(content_type__app_label=match.group(1), codename=match.group(2))
        .first()
    )


def refusal_for(request, exception) -> Refusal:
    """The permission a refused request needed (named by the view's PermissionDenied, or
    worked out from the admin page), the groups that hold it and who may grant it."""
    dotted = str(exception) if exception is not None else ""
    if not _DOTTED.match(dotted):
        match = getattr(request, "resolver_match", None)
        dotted = (
            _admin_permission(match.url_name or "")
            if match is not None and match.namespace == "admin"
            else None
        )
    permission = _permission(dotted)
    refusal = Refusal(permission=permission)
    if permission is not None:
        refusal.groups = list(
            Group.objects.filter(permissions=permission)
            .order_by("name")
            .values_list("name", flat=True)
        )
    # Whoever can change other people's logins can add them to a group.
    can_grant = (
        Q(is_superuser=True)
        | Q(
            user_permissions__codename="change_user",
            user_permissions__content_type__app_label="auth",
        )
        | Q(
            groups__permissions__codename="change_user",
            groups__permissions__content_type__app_label="auth",
        )
    )
    users = get_user_model().objects.filter(can_grant, is_active=True).distinct().order_by("pk")
    refusal.granters = [user.get_full_name() or user.get_username() for user in users[:5]]
    return refusal
