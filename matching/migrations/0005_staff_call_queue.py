"""Practice staff work the same-day call queue (status and note, never the answers): now granted
by matching.staff_groups after every migrate; kept so the migration history stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("matching", "0004_same_day_call_queue")]

    operations = []
