"""Practice staff work the same-day call queue (status and note, never the answers)."""

from django.db import migrations

# group -> (app_label, model, codenames)
GRANTS = {
    "Practice staff": [("matching", "samedaycall", ("view_samedaycall", "change_samedaycall"))],
}


def _permissions(apps, app_label, model, codenames):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label=app_label,
        content_type__model=model,
        codename__in=codenames,
    )


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    for group_name, grants in GRANTS.items():
        group = apps.get_model("auth", "Group").objects.get(name=group_name)
        for app_label, model, codenames in grants:
            group.permissions.add(*_permissions(apps, app_label, model, codenames))


def revoke(apps, schema_editor):
    for group_name, grants in GRANTS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=group_name).first()
        if group is not None:
            for app_label, model, codenames in grants:
                group.permissions.remove(*_permissions(apps, app_label, model, codenames))


class Migration(migrations.Migration):
    dependencies = [("matching", "0004_same_day_call_queue")]

    operations = [migrations.RunPython(grant, revoke)]
