"""The practice's staff roles, with exactly the permissions each needs (never superuser).

Lives in matching because it is the app that sees every other one (matching → consultations →
clinicians)."""

from django.db import migrations

PRACTICE_STAFF = {
    "clinicians": {
        "clinician": ("add", "change", "view", "delete"),
        "license": ("add", "change", "view", "delete"),
        "consultationhours": ("add", "change", "view", "delete"),
        "availabilityexception": ("add", "change", "view", "delete"),
        # Vocabulary terms are retired with "offered", not deleted, so no profile loses a value.
        "concern": ("add", "change", "view"),
        "approach": ("add", "change", "view"),
        "language": ("add", "change", "view"),
        "insuranceplan": ("add", "change", "view"),
        "community": ("add", "change", "view"),
        "credential": ("add", "change", "view"),
        "office": ("add", "change", "view"),
    },
    "consultations": {
        "consultation": ("change", "view"),
        "consultationevent": ("view",),
        "bookingsettings": ("add", "change", "view"),
        "notification": ("change", "view"),
        "fitcheck": ("view",),
    },
    "matching": {
        "matchingsettings": ("add", "change", "view"),
    },
}

# Seeing what clients wrote is a separate, deliberate grant.
INTAKE_REVIEWERS = {
    "matching": {"intake": ("change", "view", "view_intake_answers")},
    "consultations": {"consultation": ("view_client_summary",)},
}

GROUPS = {"Practice staff": PRACTICE_STAFF, "Intake reviewers": INTAKE_REVIEWERS}


def _codename(action: str, model: str) -> str:
    return action if "_" in action else f"{action}_{model}"


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for group_name, grants in GROUPS.items():
        group, _created = group_model.objects.get_or_create(name=group_name)
        wanted = []
        for app_label, models in grants.items():
            for model, actions in models.items():
                for action in actions:
                    wanted.append(
                        permission_model.objects.get(
                            content_type__app_label=app_label,
                            content_type__model=model,
                            codename=_codename(action, model),
                        )
                    )
        group.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("clinicians", "0002_seed_vocabularies"),
        ("consultations", "0002_notification"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
