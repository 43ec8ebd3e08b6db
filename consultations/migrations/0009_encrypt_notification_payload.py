"""A pending message's payload (the client's address and results link) is encrypted in place;
the reverse decrypts it back into its former column."""

import config.encryption
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0008_notification_payload"),
    ]

    operations = [
        # 1. A plain text column (JSON keeps its JSON text), so the next step sees what is stored.
        migrations.AlterField(
            model_name="notification",
            name="payload",
            field=models.TextField(blank=True, default="{}"),
        ),
        # 2. Every row encrypted in place (or decrypted, going back).
        migrations.RunPython(
            config.encryption.migrate_columns(
                "consultations", "notification", ["payload"], forward=True
            ),
            config.encryption.migrate_columns(
                "consultations", "notification", ["payload"], forward=False
            ),
        ),
        # 3. The encrypted field: the same text column.
        migrations.AlterField(
            model_name="notification",
            name="payload",
            field=config.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
    ]
