"""Consultations' client phone, intake summary and decline message are encrypted in place; the
reverse decrypts them back into their former columns."""

import config.encryption
from django.db import migrations, models

FIELDS = ["client_phone", "client_summary", "decline_message"]


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0006_notification_failing_since"),
    ]

    operations = [
        # 1. Plain text columns (JSON keeps its JSON text), so the next step sees what is stored.
        migrations.AlterField(
            model_name="consultation",
            name="client_phone",
            field=models.TextField(blank=True, verbose_name="client's phone"),
        ),
        migrations.AlterField(
            model_name="consultation",
            name="client_summary",
            field=models.TextField(blank=True, default="[]"),
        ),
        # 2. Every row encrypted in place (or decrypted, going back).
        migrations.RunPython(
            config.encryption.migrate_columns("consultations", "consultation", FIELDS, forward=True),
            config.encryption.migrate_columns("consultations", "consultation", FIELDS, forward=False),
        ),
        # 3. The encrypted fields: the same text columns.
        migrations.AlterField(
            model_name="consultation",
            name="client_phone",
            field=config.encryption.EncryptedTextField(
                blank=True, max_length=40, verbose_name="client's phone"
            ),
        ),
        migrations.AlterField(
            model_name="consultation",
            name="client_summary",
            field=config.encryption.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="consultation",
            name="decline_message",
            field=config.encryption.EncryptedTextField(
                blank=True, verbose_name="message to the client"
            ),
        ),
    ]
