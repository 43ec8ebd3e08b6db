"""Intakes' answers, safety answer and follow-up note are encrypted in place; the reverse
decrypts them back into their former columns."""

import config.encryption
from django.db import migrations, models

FIELDS = ["answers", "safety_answer", "follow_up_note"]
SAFETY = [
    ("not at all", "Not at all"),
    ("several days", "Several days"),
    ("more than half the days", "More than half the days"),
    ("nearly every day", "Nearly every day"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0005_staff_call_queue"),
    ]

    operations = [
        # 1. Plain text columns (JSON keeps its JSON text), so the next step sees what is stored.
        migrations.AlterField(
            model_name="intake",
            name="answers",
            field=models.TextField(default="{}"),
        ),
        migrations.AlterField(
            model_name="intake",
            name="safety_answer",
            field=models.TextField(default="not at all", verbose_name="safety answer"),
        ),
        # 2. Every row encrypted in place (or decrypted, going back).
        migrations.RunPython(
            config.encryption.migrate_columns("matching", "intake", FIELDS, forward=True),
            config.encryption.migrate_columns("matching", "intake", FIELDS, forward=False),
        ),
        # 3. The encrypted fields: the same text columns.
        migrations.AlterField(
            model_name="intake",
            name="answers",
            field=config.encryption.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="intake",
            name="follow_up_note",
            field=config.encryption.EncryptedTextField(
                blank=True,
                help_text="What was done: who called, what was agreed.",
                verbose_name="note",
            ),
        ),
        migrations.AlterField(
            model_name="intake",
            name="safety_answer",
            field=config.encryption.EncryptedTextField(
                choices=SAFETY, default="not at all", max_length=24, verbose_name="safety answer"
            ),
        ),
    ]
