"""The staff groups put together from each app's grants (clinicians.staff_groups,
consultations.staff_groups and the ones below), after every migrate. Matching does it because it
is the app that may import both others.

Permissions are only ever added here: taking one away from a group needs a data migration."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from clinicians import staff_groups as clinicians_groups
from clinicians.staff_groups import INTAKE_REVIEWERS, PRACTICE_STAFF
from consultations import staff_groups as consultations_groups

GRANTS = {
    PRACTICE_STAFF: {
        "matchingsettings": ("add", "change", "view"),
        # The same-day call queue: status and note, never the answers.
        "samedaycall": ("view", "change"),
        # Clinicians' strengths per concern: aggregates, read-only.
        "clinicianstrength": ("view",),
    },
    INTAKE_REVIEWERS: {"intake": ("change", "view", "view_intake_answers")},
}
# Practice staff unlock a locked-out login (delete its lockout record), so a clinician who
# mistyped a password can be helped by a phone call to the office.
LOGIN_GRANTS = {PRACTICE_STAFF: {"accessattempt": ("view", "delete")}}

GRANTS_BY_APP = {
    "clinicians": clinicians_groups.GRANTS,
    "consultations": consultations_groups.GRANTS,
    "matching": GRANTS,
    "axes": LOGIN_GRANTS,
}


def _codename(action: str, model: str) -> str:
    return action if "_" in action else f"{action}_{model}"


def staff_groups_ensure(*, using: str = "default") -> None:
    """Create the groups if missing and give each every permission its grants name."""
    wanted: dict[str, Q] = {}
    counts: dict[str, int] = {}
    for app_label, grants in GRANTS_BY_APP.items():
        for group_name, models in grants.items():
            for model, actions in models.items():
                for action in actions:
                    wanted[group_name] = wanted.get(group_name, Q()) | Q(
                        content_type__app_label=app_label,
                        content_type__model=model,
                        codename=_codename(action, model),
                    )
                    counts[group_name] = counts.get(group_name, 0) + 1
    for group_name, which in wanted.items():
        permissions = list(Permission.objects.using(using).filter(which))
        if len(permissions) != counts[group_name]:
            # A misspelt grant: fail the migrate rather than leave staff without it.
            raise LookupError(f"Not every permission granted to {group_name!r} exists.")
        group, _created = Group.objects.using(using).get_or_create(name=group_name)
        group.permissions.add(*permissions)
