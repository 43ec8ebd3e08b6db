"""The practice's staff roles (never superuser). Their permissions are given after every migrate
by matching.staff_groups, from the grants each app lists next to its models."""

from django.db import migrations

GROUPS = ("Practice staff", "Intake reviewers")


def create_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in GROUPS:
        group_model.objects.get_or_create(name=name)


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
