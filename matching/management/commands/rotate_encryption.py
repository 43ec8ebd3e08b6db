"""Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS.

    python manage.py rotate_encryption [--batch-size 500]

Run it after putting a new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it)
and restarting the app; when it reports done, the old keys can be removed. It works in small
batches while the app runs, and can be stopped and run again at any time: values already under
the newest key are skipped."""

from django.core.management.base import BaseCommand, CommandError

from config.encryption import UnreadableValue, encrypted_models, reencrypt_batches


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        for model, field_names in encrypted_models():
            label = model._meta.label
            total = model._base_manager.count()
            checked = changed = 0
            try:
                for rows, rotated in reencrypt_batches(model, field_names, batch_size=batch_size):
                    checked += rows
                    changed += rotated
                    self.stdout.write(
                        f"{label}: {checked} of about {total} rows checked, {changed} re-encrypted"
                    )
            except UnreadableValue:
                raise CommandError(
                    f"{label}: a row after the first {checked} opens with none of the keys in "
                    "FIELD_ENCRYPTION_KEYS; put back the key it was written with. Rows done so "
                    "far keep the newest key; run the command again to continue."
                ) from None
            self.stdout.write(f"{label}: done, {checked} rows, {changed} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Every encrypted value is under the newest key."))
