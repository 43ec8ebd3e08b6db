"""Practice staff unlock locked-out logins: now granted by matching.staff_groups (LOGIN_GRANTS)
after every migrate; kept so the migration history stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_staff_groups"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = []
