"""Practice staff can see locked-out logins and unlock them (delete the lockout record), so a
clinician who mistyped a password can be helped by a phone call to the office."""

from django.db import migrations

GROUP = "Practice staff"
CODENAMES = ("view_accessattempt", "delete_accessattempt")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.get(name=GROUP)
    group.permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="axes", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="axes", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_staff_groups"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
